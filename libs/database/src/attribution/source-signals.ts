/**
 * Per-source poaching signals (a source = campaign × site_id): what the hourly rollups `source_clicks` and
 * `source_installs` (see the CreateSourceRollups migration) hold for the source of every device-id or fingerprint
 * candidate click, inside the click window before the install. ONE statement per signal and batch, each reading the
 * rollups' primary key once per distinct (source, install hour, window) of the batch — installs of one batch mostly
 * share their sources and hour — and skipped when the rule is off for every install of the batch.
 */
import type { DataSource } from 'typeorm';
import { CTIT_BUCKET_SECONDS, type FraudModes, type SourceFacts } from '@app/domain';
import { namedQuery } from '../sql';
import type { BatchSignal } from './signals';
import type { CandidateSet } from './attribution-inputs.repository';

type Click = CandidateSet['clicks'][number];
const isCandidate = (s: CandidateSet, c: Click) =>
  (s.install.gaid !== null && c.gaid === s.install.gaid) ||
  (s.install.idfa !== null && c.idfa === s.install.idfa) ||
  (s.install.ip !== null && c.ip === s.install.ip && c.ua_key === s.install.ua_key);

// `u.at` is the install's hour (whole hours); windows are whole hours too, so [at - hours, at] in hours is exactly the
// hours from the one holding installedAt − window to the one holding installedAt.
const WINDOW = `s.app_id = u.app_id AND s.campaign_id = u.campaign_id AND s.site_id = u.site_id
   AND s.hour >= u.at - u.hours * interval '1 hour' AND s.hour <= u.at`;
const UNNEST = `unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::float8[]) AS u(k, app_id, campaign_id, site_id, at, hours)`;

const CONVERSION_SQL = `SELECT u.k,
    (SELECT coalesce(sum(clicks), 0)::int FROM source_clicks s WHERE ${WINDOW}) AS clicks,
    (SELECT coalesce(sum(installs), 0)::int FROM source_installs s WHERE ${WINDOW}) AS installs
  FROM ${UNNEST}`;

const BUCKETS = Array.from({ length: CTIT_BUCKET_SECONDS.length + 1 }, (_, i) => i);
const CTIT_SQL = `SELECT u.k, c.*
  FROM ${UNNEST}
  CROSS JOIN LATERAL (SELECT ARRAY[${BUCKETS.map((i) => `coalesce(sum(ctit_${i}), 0)::int`).join(', ')}] AS b
                        FROM source_installs s WHERE ${WINDOW}) c`;

interface Ask {
  appId: string;
  campaignId: string;
  siteId: string;
  /** The start of the install's hour. */
  hour: Date;
  hours: number;
  /** The candidate clicks (of the batch's sets) that get this ask's figures. */
  clicks: { s: CandidateSet; id: string }[];
}

const HOUR_MS = 3_600_000;

/**
 * The distinct (source, install hour, window) of the device-id and fingerprint candidates of the batch's installs
 * whose rule is not off, each with the candidate clicks it answers for.
 */
function asks(batch: CandidateSet[], rule: keyof FraudModes): Ask[] {
  const out = new Map<string, Ask>();
  for (const s of batch) {
    if ((s.settings.app.fraudModes?.[rule] ?? 'enforce') === 'off' || s.hours.click <= 0) continue;
    const hour = new Date(Math.floor(s.install.installed_at.getTime() / HOUR_MS) * HOUR_MS);
    for (const c of s.clicks) {
      if (!isCandidate(s, c)) continue;
      const siteId = c.site_id ?? '';
      const key = `${s.install.app_id}\u0000${c.campaign_id}\u0000${siteId}\u0000${hour.getTime()}\u0000${s.hours.click}`;
      let ask = out.get(key);
      if (!ask) out.set(key, (ask = { appId: s.install.app_id, campaignId: c.campaign_id, siteId, hour, hours: Math.ceil(s.hours.click), clicks: [] }));
      ask.clicks.push({ s, id: c.id });
    }
  }
  return [...out.values()];
}

function params(list: Ask[]): unknown[] {
  return [list.map((_, k) => k), list.map((a) => a.appId), list.map((a) => a.campaignId), list.map((a) => a.siteId), list.map((a) => a.hour), list.map((a) => a.hours)];
}

/** Writes each ask's figures onto the candidate clicks it answers for. */
function spread<R extends { k: number }>(list: Ask[], rows: R[], facts: (r: R) => SourceFacts): void {
  for (const r of rows) {
    const f = facts(r);
    for (const { s, id } of list[r.k].clicks) s.sourceFacts.set(id, { ...s.sourceFacts.get(id), ...f });
  }
}

/** Conversion rate per source: its clicks and the installs they matched inside the window. */
export const sourceConversion: BatchSignal = {
  name: 'source_conversion',
  async load(db: DataSource, batch) {
    const list = asks(batch, 'sourceConversion');
    if (list.length === 0) return;
    const rows = await namedQuery<{ k: number; clicks: number; installs: number }>(
      db,
      'lb_source_conversion',
      CONVERSION_SQL,
      params(list),
    );
    spread(list, rows, (r) => ({ clicks: r.clicks, installs: r.installs }));
  },
};

/** CTIT distribution per source: its matched installs inside the window, per CTIT bucket. */
export const sourceCtit: BatchSignal = {
  name: 'source_ctit',
  async load(db: DataSource, batch) {
    const list = asks(batch, 'sourceCtit');
    if (list.length === 0) return;
    const rows = await namedQuery<{ k: number; b: number[] }>(db, 'lb_source_ctit', CTIT_SQL, params(list));
    spread(list, rows, (r) => ({ ctit: r.b }));
  },
};

export const SOURCE_SIGNALS: readonly BatchSignal[] = [sourceConversion, sourceCtit];
