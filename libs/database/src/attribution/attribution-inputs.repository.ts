import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  applyOverrides,
  ipInCidrs,
  isUuid,
  referrerClickId,
  uuidv7Time,
  DEFAULT_FRAUD_MODES,
  type DecisionInput,
  type DecisionOverrides,
  type DecisionSettings,
  type FraudModes,
  type PriorInstall,
  type SourceFacts,
  type Touch,
} from '@app/domain';
import { namedQuery } from '../sql';
import { BATCH_SIGNALS, type BatchSignal } from './signals';

export interface InstallFactsRow {
  id: string;
  app_id: string;
  /** The client's own install id (events name their install by it). */
  install_id: string;
  installed_at: Date;
  /** When ingestion committed it (install → decision latency is measured from here). */
  received_at: Date;
  gaid: string | null;
  idfa: string | null;
  idfv: string | null;
  android_id: string | null;
  ip: string | null;
  ua_key: string | null;
  referrer: string | null;
  consent_attribution: boolean | null;
  status: string;
  campaign_id: string | null;
  match_type: string | null;
  touch_id: string | null;
}

export interface TouchRow {
  id: string;
  campaign_id: string;
  ts: Date;
  network_click_id: string | null;
  gaid: string | null;
  idfa: string | null;
  ip: string | null;
  ua_key: string | null;
  site_id: string | null;
}

/**
 * Everything known about one install of a batch before it is decided. Batch signals (see `signals.ts`) may
 * enrich `clicks` / `impressions` (e.g. flood counts) before `input` is made from them.
 */
export interface CandidateSet {
  install: InstallFactsRow;
  /** The settings this install is decided under (stored, or with a replay's overrides applied). */
  settings: DecisionSettings;
  /** Longest windows over the app's campaigns, in hours: what the touch queries read back. */
  hours: { click: number; view: number; fingerprint: number };
  /** Candidate clicks and impressions: strictly before installedAt, newest first per rule, at most TOUCH_LIMIT per rule. */
  clicks: TouchRow[];
  impressions: TouchRow[];
  /** Per touch id, what signals found (click-flooding count, …). */
  floodCounts: Map<string, number>;
  /** Per click id: distinct advertising ids that clicked from its address inside the click window (click spam). */
  sourceDevices: Map<string, number>;
  /** Fingerprint candidates another install already won with. */
  consumed: Set<string>;
  /** Per click id: its source's (campaign × site_id) rollup figures inside the click window (see source-signals.ts). */
  sourceFacts: Map<string, SourceFacts>;
  /** Other installs of the app from this install's address inside the fingerprint window (shared IP). */
  ipInstalls: number;
  priorInstall: PriorInstall | undefined;
}

export interface LoadedInputs {
  install: InstallFactsRow;
  input: DecisionInput;
  /** The ad network's own click id of each loaded click, for postback macros. */
  networkClickIds: Map<string, string | null>;
}

const TOUCH_COLUMNS = 't.id, t.campaign_id, t.ts, t.network_click_id, t.gaid, t.idfa, host(t.ip) AS ip, t.ua_key, t.site_id';
const INSTALL_COLUMNS = `id, app_id, install_id, installed_at, received_at, gaid, idfa, idfv, android_id, host(ip) AS ip, ua_key, referrer,
  consent_attribution, status, campaign_id, match_type, touch_id`;
/**
 * Candidates per rule and install. Only touches strictly before the install are read (a later touch cannot
 * win), newest first, so a burst of post-install clicks can never push the real candidates out of the limit.
 * Ties at one instant go to the greater id, as in the decision itself (`newerFirst`): which 50 of a burst are
 * read, and so who wins, never depends on the plan. Each query reads the identifier's (app_id, <id>, ts) index
 * per monthly partition, then keeps the newest 50 (a top-N sort over that device's touches in the window).
 */
const TOUCH_LIMIT = 50;

/**
 * One statement per identifier: for every install of the batch, the newest touches of that device inside the
 * window, through the (app_id, <id>, ts) partial index. `u.k` ties each row back to its install.
 */
function deviceTouchSql(table: 'clicks' | 'impressions', column: 'gaid' | 'idfa'): string {
  return `SELECT u.k, ${TOUCH_COLUMNS}
    FROM unnest($1::int[], $2::uuid[], $3::text[], $4::timestamptz[], $5::float8[]) AS u(k, app_id, v, at, hours)
    CROSS JOIN LATERAL (
      SELECT * FROM ${table}
       WHERE app_id = u.app_id AND ${column} = u.v AND ts < u.at AND ts >= u.at - u.hours * interval '1 hour'
       ORDER BY ts DESC, id DESC LIMIT ${TOUCH_LIMIT}) t`;
}

const FINGERPRINT_SQL = `SELECT u.k, ${TOUCH_COLUMNS}
    FROM unnest($1::int[], $2::uuid[], $3::inet[], $4::text[], $5::timestamptz[], $6::float8[]) AS u(k, app_id, ip, ua, at, hours)
    CROSS JOIN LATERAL (
      SELECT * FROM clicks
       WHERE app_id = u.app_id AND ip = u.ip AND ua_key = u.ua AND ts < u.at AND ts >= u.at - u.hours * interval '1 hour'
       ORDER BY ts DESC, id DESC LIMIT ${TOUCH_LIMIT}) t`;

/** The referrer's click id is a UUIDv7: its time names the partition, so each lookup reads one partition's index. */
const REFERRED_CLICK_SQL = `SELECT u.k, ${TOUCH_COLUMNS}
    FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::timestamptz[]) AS u(k, app_id, id, at)
    JOIN clicks t ON t.app_id = u.app_id AND t.id = u.id
     AND t.ts BETWEEN u.at - interval '1 second' AND u.at + interval '1 second'`;

/**
 * The latest earlier install of the same device, per identifier kind, through that identifier's partial index,
 * newest first. "Earlier" is strict, ties at one instant broken by id, so two installs never both call the
 * other prior — also when both are in the same batch (the table holds them both, decided or not).
 */
function priorInstallSql(column: 'gaid' | 'idfa' | 'idfv' | 'android_id'): string {
  return `SELECT u.k, p.id, p.installed_at
    FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[], $6::float8[]) AS u(k, app_id, v, id, at, days)
    CROSS JOIN LATERAL (
      SELECT id, installed_at FROM installs
       WHERE app_id = u.app_id AND ${column} = u.v AND id <> u.id
         -- "+ interval '0'" keeps the window out of any index condition: a plain range lets the planner walk
         -- (app_id, installed_at) over every install of the app (measured: 0.4 ms per install at 15k installs,
         -- growing with the table) instead of this device's few rows in the identifier's index.
         AND installed_at + interval '0' <= u.at AND installed_at + interval '0' >= u.at - u.days * interval '1 day'
         AND (installed_at < u.at OR id < u.id)
       ORDER BY installed_at DESC, id DESC LIMIT 1) p`;
}

const PRIOR_KINDS = ['gaid', 'idfa', 'idfv', 'android_id'] as const;

/**
 * Loads what the decision function needs for a whole batch of installs with one indexed query per kind of input
 * (not per install): the worker decides with it, and replay re-decides with it (optionally under other
 * settings), so both see the same facts.
 */
@Injectable()
export class AttributionInputsRepository {
  /** Per-batch signal queries run after the candidates are loaded; fraud rules add theirs to BATCH_SIGNALS. */
  private readonly signals: readonly BatchSignal[] = BATCH_SIGNALS;

  constructor(private readonly db: DataSource) {}

  /**
   * The installs with these keys, any status (the caller decides only pending ones). By (app_id, id), so each
   * look-up is routed to its app's shard; a key without appId (a job enqueued before jobs named their app) is
   * found by id alone.
   */
  async installs(keys: readonly { id: string; appId?: string }[]): Promise<InstallFactsRow[]> {
    const keyed = keys.filter((k): k is { id: string; appId: string } => k.appId !== undefined);
    const bare = keys.filter((k) => k.appId === undefined).map((k) => k.id);
    const [a, b] = await Promise.all([
      keyed.length === 0
        ? []
        : namedQuery<InstallFactsRow>(
            this.db,
            'lb_installs_by_key',
            `SELECT ${INSTALL_COLUMNS} FROM installs WHERE (app_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
            [keyed.map((k) => k.appId), keyed.map((k) => k.id)],
          ),
      bare.length === 0
        ? []
        : namedQuery<InstallFactsRow>(this.db, 'lb_installs_by_id', `SELECT ${INSTALL_COLUMNS} FROM installs WHERE id = ANY($1::uuid[])`, [bare]),
    ]);
    return [...a, ...b];
  }

  async install(id: string, appId?: string): Promise<InstallFactsRow | undefined> {
    return (await this.installs([{ id, appId }]))[0];
  }

  /** Decided installs of an app in a time range, oldest first, a page at a time after (installedAt, id). */
  async decidedInstalls(
    appId: string,
    from: Date,
    to: Date,
    limit: number,
    after?: { installedAt: Date; id: string },
  ): Promise<InstallFactsRow[]> {
    return namedQuery<InstallFactsRow>(
      this.db,
      'lb_decided_installs',
      `SELECT ${INSTALL_COLUMNS} FROM installs
        WHERE app_id = $1 AND installed_at >= $2 AND installed_at < $3 AND status <> 'pending'
          AND ($5::timestamptz IS NULL OR (installed_at, id) > ($5::timestamptz, $6::uuid))
        ORDER BY installed_at, id LIMIT $4`,
      [appId, from, to, limit, after?.installedAt ?? null, after?.id ?? null],
    );
  }

  /** Per campaign of the app: the network and its install postback template (null when it wants none). */
  async postbackTargets(appId: string): Promise<Map<string, { networkId: string; installPostbackUrl: string | null }>> {
    const rows = await namedQuery<{ id: string; network_id: string; install_postback_url: string | null }>(
      this.db,
      'lb_postback_targets',
      `SELECT c.id, n.id AS network_id, n.install_postback_url
         FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.app_id = $1`,
      [appId],
    );
    return new Map(rows.map((r) => [r.id, { networkId: r.network_id, installPostbackUrl: r.install_postback_url }]));
  }

  async settings(appId: string): Promise<DecisionSettings | undefined> {
    const [app] = await namedQuery<{
      min_ctit_seconds: number;
      reattribution_days: number;
      click_flood_threshold: number;
      fraud_modes: FraudModes;
      ip_blocklist: string[];
    }>(
      this.db,
      'lb_app_rules',
      `SELECT min_ctit_seconds, reattribution_days, click_flood_threshold, fraud_modes, ip_blocklist::text[] AS ip_blocklist
         FROM apps WHERE id = $1`,
      [appId],
    );
    if (!app) return undefined;
    const campaigns = await namedQuery<{
      id: string;
      click_lookback_hours: number;
      view_lookback_hours: number;
      fingerprint_lookback_hours: number;
    }>(
      this.db,
      'lb_campaign_windows',
      `SELECT id, click_lookback_hours, view_lookback_hours, fingerprint_lookback_hours FROM campaigns WHERE app_id = $1`,
      [appId],
    );
    return {
      app: {
        minCtitSeconds: app.min_ctit_seconds,
        reattributionDays: app.reattribution_days,
        clickFloodThreshold: app.click_flood_threshold,
        fraudModes: { ...DEFAULT_FRAUD_MODES, ...app.fraud_modes },
      },
      ipBlocklist: app.ip_blocklist,
      campaigns: new Map(
        campaigns.map((c) => [
          c.id,
          {
            clickLookbackHours: c.click_lookback_hours,
            viewLookbackHours: c.view_lookback_hours,
            fingerprintLookbackHours: c.fingerprint_lookback_hours,
          },
        ]),
      ),
    };
  }

  /**
   * The decision inputs of a batch of installs (each with its app's settings), in the order given. About eight
   * statements for the whole batch, run side by side, whatever its size.
   */
  async load(
    batch: readonly { install: InstallFactsRow; settings: DecisionSettings }[],
    overrides?: DecisionOverrides,
  ): Promise<LoadedInputs[]> {
    const sets: CandidateSet[] = batch.map(({ install, settings: base }) => {
      const settings = applyOverrides(base, overrides);
      const windows = [...settings.campaigns.values()];
      const longest = (pick: (w: (typeof windows)[number]) => number) => Math.max(0, ...windows.map(pick));
      const fingerprint = longest((w) => w.fingerprintLookbackHours);
      return {
        install,
        settings,
        hours: { click: Math.max(longest((w) => w.clickLookbackHours), fingerprint), view: longest((w) => w.viewLookbackHours), fingerprint },
        clicks: [],
        impressions: [],
        floodCounts: new Map(),
        sourceDevices: new Map(),
        consumed: new Set(),
        sourceFacts: new Map(),
        ipInstalls: 0,
        priorInstall: undefined,
      };
    });
    await Promise.all([this.loadClicks(sets), this.loadImpressions(sets), this.loadPriorInstalls(sets)]);
    // Side by side: a signal reads only the loaded candidates, never another signal's findings (see signals.ts).
    await Promise.all(this.signals.map((signal) => signal.load(this.db, sets)));
    return sets.map(toLoadedInputs);
  }

  private async loadClicks(sets: CandidateSet[]): Promise<void> {
    const found = sets.map(() => new Map<string, TouchRow>());
    const take = (rows: (TouchRow & { k: number })[]) => {
      for (const { k, ...r } of rows) found[k].set(r.id, r);
    };
    const referred = keyed(sets, (s) => {
      const id = referrerClickId(s.install.referrer);
      const at = id && isUuid(id) ? uuidv7Time(id) : undefined;
      return id && at ? [s.install.app_id, id.toLowerCase(), at] : undefined;
    });
    const fingerprinted = keyed(sets, (s) =>
      s.install.ip && s.install.ua_key && s.hours.click > 0
        ? [s.install.app_id, s.install.ip, s.install.ua_key, s.install.installed_at, s.hours.click]
        : undefined,
    );
    await Promise.all([
      referred.length > 0 ? this.rows('lb_referred_clicks', REFERRED_CLICK_SQL, referred).then(take) : undefined,
      ...(['gaid', 'idfa'] as const).map((column) => this.deviceTouches('clicks', column, sets, (s) => s.hours.click).then(take)),
      fingerprinted.length > 0 ? this.rows('lb_fingerprint_clicks', FINGERPRINT_SQL, fingerprinted).then(take) : undefined,
    ]);
    sets.forEach((s, k) => (s.clicks = [...found[k].values()]));
  }

  private async loadImpressions(sets: CandidateSet[]): Promise<void> {
    const found = sets.map(() => new Map<string, TouchRow>());
    await Promise.all(
      (['gaid', 'idfa'] as const).map((column) =>
        this.deviceTouches('impressions', column, sets, (s) => s.hours.view).then((rows) => {
          for (const { k, ...r } of rows) found[k].set(r.id, r);
        }),
      ),
    );
    sets.forEach((s, k) => (s.impressions = [...found[k].values()]));
  }

  private deviceTouches(
    table: 'clicks' | 'impressions',
    column: 'gaid' | 'idfa',
    sets: CandidateSet[],
    hours: (s: CandidateSet) => number,
  ): Promise<(TouchRow & { k: number })[]> {
    const args = keyed(sets, (s) => {
      const v = s.install[column];
      return v && hours(s) > 0 ? [s.install.app_id, v, s.install.installed_at, hours(s)] : undefined;
    });
    return args.length > 0 ? this.rows(`lb_${table}_by_${column}`, deviceTouchSql(table, column), args) : Promise.resolve([]);
  }

  private async loadPriorInstalls(sets: CandidateSet[]): Promise<void> {
    const results = await Promise.all(
      PRIOR_KINDS.map((column) => {
        const args = keyed(sets, (s) => {
          const v = s.install[column];
          const days = s.settings.app.reattributionDays;
          return v && days > 0 ? [s.install.app_id, v, s.install.id, s.install.installed_at, days] : undefined;
        });
        return args.length > 0
          ? this.rows<{ k: number; id: string; installed_at: Date }>(`lb_prior_by_${column}`, priorInstallSql(column), args)
          : Promise.resolve([]);
      }),
    );
    for (const rows of results) {
      for (const r of rows) {
        const s = sets[r.k];
        if (!s.priorInstall || r.installed_at > s.priorInstall.installedAt) s.priorInstall = { id: r.id, installedAt: r.installed_at };
      }
    }
  }

  /** Runs one batch statement whose parameters are the columns of `args` (the first column being `k`). */
  private rows<T = TouchRow & { k: number }>(name: string, sql: string, args: unknown[][]): Promise<T[]> {
    const columns = args[0].map((_, i) => args.map((a) => a[i]));
    return namedQuery<T>(this.db, name, sql, columns);
  }
}

/** Rows `[k, …values]` for the sets that have a value for this query (k = the set's index in the batch). */
function keyed(sets: CandidateSet[], pick: (s: CandidateSet) => unknown[] | undefined): unknown[][] {
  const out: unknown[][] = [];
  sets.forEach((s, k) => {
    const v = pick(s);
    if (v) out.push([k, ...v]);
  });
  return out;
}

function toLoadedInputs(s: CandidateSet): LoadedInputs {
  const { install, settings } = s;
  const touches: Touch[] = [
    ...s.clicks.map((c) => ({
      ...toTouch(c, 'click', settings.ipBlocklist, s.floodCounts.get(c.id) ?? 0),
      ...(s.sourceDevices.has(c.id) ? { sourceDevices: s.sourceDevices.get(c.id) } : {}),
      ...(s.consumed.has(c.id) ? { consumed: true } : {}),
      ...(c.site_id !== null ? { siteId: c.site_id } : {}),
      ...(s.sourceFacts.has(c.id) ? { source: s.sourceFacts.get(c.id) } : {}),
    })),
    ...s.impressions.map((c) => toTouch(c, 'impression', settings.ipBlocklist, 0)),
  ];
  return {
    install,
    input: {
      install: {
        installedAt: install.installed_at,
        gaid: install.gaid ?? undefined,
        idfa: install.idfa ?? undefined,
        referrerClickId: referrerClickId(install.referrer),
        ip: install.ip ?? undefined,
        uaKey: install.ua_key ?? undefined,
        consentAttribution: install.consent_attribution,
        ...(s.ipInstalls > 0 ? { ipInstalls: s.ipInstalls } : {}),
      },
      touches,
      campaigns: settings.campaigns,
      app: settings.app,
      priorInstall: s.priorInstall,
    },
    networkClickIds: new Map(s.clicks.map((c) => [c.id, c.network_click_id])),
  };
}

function toTouch(r: TouchRow, kind: Touch['kind'], blocklist: string[], floodCount: number): Touch {
  return {
    id: r.id,
    kind,
    campaignId: r.campaign_id,
    ts: r.ts,
    gaid: r.gaid ?? undefined,
    idfa: r.idfa ?? undefined,
    ip: r.ip ?? undefined,
    uaKey: r.ua_key ?? undefined,
    ...(ipInCidrs(r.ip, blocklist) ? { blocked: true } : {}),
    ...(floodCount > 0 ? { floodCount } : {}),
  };
}
