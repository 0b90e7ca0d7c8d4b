/**
 * Per-source poaching signals (a source = campaign × site_id): what the hourly rollups `source_clicks` and
 * `source_installs` (see the CreateSourceRollups migration) hold for the source of every device-id or fingerprint
 * candidate click, inside the click window before the install. ONE statement per signal and batch, each reading the
 * rollups' primary key per (install, source); skipped when the rule is off for every install of the batch.
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

const WINDOW = `s.app_id = u.app_id AND s.campaign_id = u.campaign_id AND s.site_id = u.site_id
   AND s.hour >= date_bin('1 hour', u.at - u.hours * interval '1 hour', TIMESTAMPTZ '2000-01-01 00:00:00+00') AND s.hour <= u.at`;
const UNNEST = `unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::float8[]) AS u(k, app_id, campaign_id, site_id, at, hours)`;

const CONVERSION_SQL = `SELECT u.k, u.campaign_id, u.site_id,
    (SELECT coalesce(sum(clicks), 0)::int FROM source_clicks s WHERE ${WINDOW}) AS clicks,
    (SELECT coalesce(sum(installs), 0)::int FROM source_installs s WHERE ${WINDOW}) AS installs
  FROM ${UNNEST}`;

const BUCKETS = Array.from({ length: CTIT_BUCKET_SECONDS.length + 1 }, (_, i) => i);
const CTIT_SQL = `SELECT u.k, u.campaign_id, u.site_id, c.*
  FROM ${UNNEST}
  CROSS JOIN LATERAL (SELECT ARRAY[${BUCKETS.map((i) => `coalesce(sum(ctit_${i}), 0)::int`).join(', ')}] AS b
                        FROM source_installs s WHERE ${WINDOW}) c`;

interface Ask {
  s: CandidateSet;
  k: number;
  campaignId: string;
  siteId: string;
}

/** Per install of the batch whose rule is not off, each distinct source among its device-id and fingerprint candidates. */
function asks(batch: CandidateSet[], rule: keyof FraudModes): Ask[] {
  return batch.flatMap((s, k) => {
    if ((s.settings.app.fraudModes?.[rule] ?? 'enforce') === 'off' || s.hours.click <= 0) return [];
    const sources = new Map<string, Ask>();
    for (const c of s.clicks) {
      if (!isCandidate(s, c)) continue;
      const siteId = c.site_id ?? '';
      sources.set(`${c.campaign_id}\u0000${siteId}`, { s, k, campaignId: c.campaign_id, siteId });
    }
    return [...sources.values()];
  });
}

function params(list: Ask[]): unknown[] {
  return [
    list.map((a) => a.k),
    list.map((a) => a.s.install.app_id),
    list.map((a) => a.campaignId),
    list.map((a) => a.siteId),
    list.map((a) => a.s.install.installed_at),
    list.map((a) => a.s.hours.click),
  ];
}

/** Writes each source's figures onto the set's candidate clicks of that source. */
function spread<R extends { k: number; campaign_id: string; site_id: string }>(batch: CandidateSet[], rows: R[], facts: (r: R) => SourceFacts): void {
  const byKey = new Map(rows.map((r) => [`${r.k}\u0000${r.campaign_id}\u0000${r.site_id}`, facts(r)]));
  batch.forEach((s, k) => {
    for (const c of s.clicks) {
      const f = byKey.get(`${k}\u0000${c.campaign_id}\u0000${c.site_id ?? ''}`);
      if (f) s.sourceFacts.set(c.id, { ...s.sourceFacts.get(c.id), ...f });
    }
  });
}

/** Conversion rate per source: its clicks and the installs they matched inside the window. */
export const sourceConversion: BatchSignal = {
  name: 'source_conversion',
  async load(db: DataSource, batch) {
    const list = asks(batch, 'sourceConversion');
    if (list.length === 0) return;
    const rows = await namedQuery<{ k: number; campaign_id: string; site_id: string; clicks: number; installs: number }>(
      db,
      'lb_source_conversion',
      CONVERSION_SQL,
      params(list),
    );
    spread(batch, rows, (r) => ({ clicks: r.clicks, installs: r.installs }));
  },
};

/** CTIT distribution per source: its matched installs inside the window, per CTIT bucket. */
export const sourceCtit: BatchSignal = {
  name: 'source_ctit',
  async load(db: DataSource, batch) {
    const list = asks(batch, 'sourceCtit');
    if (list.length === 0) return;
    const rows = await namedQuery<{ k: number; campaign_id: string; site_id: string; b: number[] }>(db, 'lb_source_ctit', CTIT_SQL, params(list));
    spread(batch, rows, (r) => ({ ctit: r.b }));
  },
};

export const SOURCE_SIGNALS: readonly BatchSignal[] = [sourceConversion, sourceCtit];
