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
  type Touch,
} from '@app/domain';

export interface InstallFactsRow {
  id: string;
  app_id: string;
  /** The client's own install id (events name their install by it). */
  install_id: string;
  installed_at: Date;
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

interface TouchRow {
  id: string;
  campaign_id: string;
  ts: Date;
  network_click_id: string | null;
  gaid: string | null;
  idfa: string | null;
  ip: string | null;
  ua_key: string | null;
}

export interface LoadedInputs {
  input: DecisionInput;
  /** The ad network's own click id of each loaded click, for postback macros. */
  networkClickIds: Map<string, string | null>;
}

const TOUCH_COLUMNS = 'id, campaign_id, ts, network_click_id, gaid, idfa, host(ip) AS ip, ua_key';
const INSTALL_COLUMNS = `id, app_id, install_id, installed_at, gaid, idfa, idfv, android_id, host(ip) AS ip, ua_key, referrer,
  consent_attribution, status, campaign_id, match_type, touch_id`;
/** Touches a little after the install are loaded too, only so the explanation can say why they lost. */
const AFTER_INSTALL_SLACK = "interval '1 hour'";
const TOUCH_LIMIT = 50;

/**
 * Loads everything the decision function needs for one install with indexed, per-app queries. The worker
 * decides with it, and replay re-decides with it (optionally under other settings), so both see the same facts.
 */
@Injectable()
export class AttributionInputsRepository {
  constructor(private readonly db: DataSource) {}

  /** By (app_id, id), routed to one shard; by id alone only for jobs enqueued before they carried appId. */
  async install(id: string, appId?: string): Promise<InstallFactsRow | undefined> {
    const rows: InstallFactsRow[] = appId
      ? await this.db.query(`SELECT ${INSTALL_COLUMNS} FROM installs WHERE app_id = $1 AND id = $2`, [appId, id])
      : await this.db.query(`SELECT ${INSTALL_COLUMNS} FROM installs WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Decided installs of an app in a time range, oldest first (for replay). */
  async decidedInstalls(appId: string, from: Date, to: Date, limit: number): Promise<InstallFactsRow[]> {
    return this.db.query(
      `SELECT ${INSTALL_COLUMNS} FROM installs
        WHERE app_id = $1 AND installed_at >= $2 AND installed_at < $3 AND status <> 'pending'
        ORDER BY installed_at, id LIMIT $4`,
      [appId, from, to, limit],
    );
  }

  /** Per campaign of the app: the network and its install postback template (null when it wants none). */
  async postbackTargets(appId: string): Promise<Map<string, { networkId: string; installPostbackUrl: string | null }>> {
    const rows: { id: string; network_id: string; install_postback_url: string | null }[] = await this.db.query(
      `SELECT c.id, n.id AS network_id, n.install_postback_url
         FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.app_id = $1`,
      [appId],
    );
    return new Map(rows.map((r) => [r.id, { networkId: r.network_id, installPostbackUrl: r.install_postback_url }]));
  }

  async settings(appId: string): Promise<DecisionSettings | undefined> {
    const [app]: {
      min_ctit_seconds: number;
      reattribution_days: number;
      click_flood_threshold: number;
      fraud_modes: FraudModes;
      ip_blocklist: string[];
    }[] = await this.db.query(
      `SELECT min_ctit_seconds, reattribution_days, click_flood_threshold, fraud_modes, ip_blocklist::text[] AS ip_blocklist
         FROM apps WHERE id = $1`,
      [appId],
    );
    if (!app) return undefined;
    const campaigns: {
      id: string;
      click_lookback_hours: number;
      view_lookback_hours: number;
      fingerprint_lookback_hours: number;
    }[] = await this.db.query(
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

  async load(install: InstallFactsRow, base: DecisionSettings, overrides?: DecisionOverrides): Promise<LoadedInputs> {
    const settings = applyOverrides(base, overrides);
    const windows = [...settings.campaigns.values()];
    const hours = (pick: (w: (typeof windows)[number]) => number) => Math.max(0, ...windows.map(pick));
    const clickHours = Math.max(hours((w) => w.clickLookbackHours), hours((w) => w.fingerprintLookbackHours));
    const viewHours = hours((w) => w.viewLookbackHours);
    const fpHours = hours((w) => w.fingerprintLookbackHours);

    const [clicks, impressions, prior] = await Promise.all([
      this.clicks(install, clickHours),
      viewHours > 0 ? this.deviceTouches('impressions', install, viewHours) : Promise.resolve([]),
      this.priorInstall(install, settings.app.reattributionDays),
    ]);
    const flood = await this.floodCounts(install, clicks, fpHours);

    const touches: Touch[] = [
      ...clicks.map((c) => toTouch(c, 'click', settings.ipBlocklist, flood(c))),
      ...impressions.map((c) => toTouch(c, 'impression', settings.ipBlocklist, 0)),
    ];
    return {
      input: {
        install: {
          installedAt: install.installed_at,
          gaid: install.gaid ?? undefined,
          idfa: install.idfa ?? undefined,
          referrerClickId: referrerClickId(install.referrer),
          ip: install.ip ?? undefined,
          uaKey: install.ua_key ?? undefined,
          consentAttribution: install.consent_attribution,
        },
        touches,
        campaigns: settings.campaigns,
        app: settings.app,
        priorInstall: prior,
      },
      networkClickIds: new Map(clicks.map((c) => [c.id, c.network_click_id])),
    };
  }

  private async clicks(install: InstallFactsRow, hours: number): Promise<TouchRow[]> {
    const queries: Promise<TouchRow[]>[] = [];
    const refId = referrerClickId(install.referrer);
    const refTime = refId && isUuid(refId) ? uuidv7Time(refId) : undefined;
    if (refId && refTime) {
      // The id is a UUIDv7: its time names the partition, so this reads one partition's index.
      queries.push(
        this.db.query(
          `SELECT ${TOUCH_COLUMNS} FROM clicks
            WHERE app_id = $1 AND id = $2
              AND ts BETWEEN $3::timestamptz - interval '1 second' AND $3::timestamptz + interval '1 second'`,
          [install.app_id, refId, refTime],
        ),
      );
    }
    queries.push(this.deviceTouches('clicks', install, hours));
    if (install.ip && install.ua_key) {
      queries.push(
        this.db.query(
          `SELECT ${TOUCH_COLUMNS} FROM clicks
            WHERE app_id = $1 AND ip = $4::inet AND ua_key = $5
              AND ts <= $2::timestamptz + ${AFTER_INSTALL_SLACK} AND ts >= $2::timestamptz - $3::interval
            ORDER BY ts DESC LIMIT ${TOUCH_LIMIT}`,
          [install.app_id, install.installed_at, `${hours} hours`, install.ip, install.ua_key],
        ),
      );
    }
    const byId = new Map<string, TouchRow>();
    for (const rows of await Promise.all(queries)) for (const r of rows) byId.set(r.id, r);
    return [...byId.values()];
  }

  /** Touches by advertising id, GAID and IDFA each through its own partial index. */
  private async deviceTouches(table: 'clicks' | 'impressions', install: InstallFactsRow, hours: number): Promise<TouchRow[]> {
    const out: TouchRow[] = [];
    for (const column of ['gaid', 'idfa'] as const) {
      const value = install[column];
      if (!value) continue;
      out.push(
        ...((await this.db.query(
          `SELECT ${TOUCH_COLUMNS} FROM ${table}
            WHERE app_id = $1 AND ${column} = $4
              AND ts <= $2::timestamptz + ${AFTER_INSTALL_SLACK} AND ts >= $2::timestamptz - $3::interval
            ORDER BY ts DESC LIMIT ${TOUCH_LIMIT}`,
          [install.app_id, install.installed_at, `${hours} hours`, value],
        )) as TouchRow[]),
      );
    }
    return out;
  }

  /**
   * Click flooding: how many clicks the install's IP, and each candidate device, made inside the fingerprint
   * window. Only fingerprint matches consult it, so it is counted only when there is a fingerprint candidate.
   */
  private async floodCounts(install: InstallFactsRow, clicks: TouchRow[], hours: number): Promise<(t: TouchRow) => number> {
    const candidates = clicks.filter((c) => c.ip === install.ip && c.ua_key === install.ua_key && install.ip);
    if (candidates.length === 0 || hours === 0) return () => 0;
    const range = [install.app_id, install.installed_at, `${hours} hours`];
    const [{ n: ipCount }]: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM clicks WHERE app_id = $1 AND ip = $4::inet AND ts <= $2 AND ts >= $2::timestamptz - $3::interval
         LIMIT 100000) c`,
      [...range, install.ip],
    );
    const gaids = [...new Set(candidates.map((c) => c.gaid).filter((g): g is string => g !== null))];
    const byDevice = new Map<string, number>();
    if (gaids.length > 0) {
      const rows: { gaid: string; n: number }[] = await this.db.query(
        `SELECT gaid, count(*)::int AS n FROM clicks
          WHERE app_id = $1 AND gaid = ANY($4) AND ts <= $2 AND ts >= $2::timestamptz - $3::interval GROUP BY gaid`,
        [...range, gaids],
      );
      for (const r of rows) byDevice.set(r.gaid, r.n);
    }
    return (t) => Math.max(ipCount, t.gaid ? (byDevice.get(t.gaid) ?? 0) : 0);
  }

  private async priorInstall(install: InstallFactsRow, reattributionDays: number) {
    const present = (
      [
        ['gaid', install.gaid],
        ['idfa', install.idfa],
        ['idfv', install.idfv],
        ['android_id', install.android_id],
      ] as [string, string | null][]
    ).filter((p): p is [string, string] => p[1] !== null);
    if (present.length === 0 || reattributionDays === 0) return undefined;
    // One branch per identifier, each served by its own partial index. The time window is applied here, not in
    // SQL: a range on installed_at lets the planner (with stale statistics after a burst) walk (app_id,
    // installed_at) over every install of the app instead (measured: 27-40 ms against 0.04 ms). A device has a
    // handful of installs; filtering and sorting them here costs nothing.
    const rows: { id: string; installed_at: Date }[] = await this.db.query(
      present
        .map(
          ([col], i) => `(SELECT id, installed_at FROM installs
             WHERE app_id = $1 AND ${col} = $${i + 3} AND id <> $2
             LIMIT 50)`,
        )
        .join(' UNION ALL '),
      [install.app_id, install.id, ...present.map(([, v]) => v)],
    );
    // Strictly earlier, ties at the same instant broken by id, so two installs never both call the other "prior".
    const windowStart = install.installed_at.getTime() - reattributionDays * 86_400_000;
    const at = install.installed_at.getTime();
    const prior = rows
      .filter((r) => {
        const t = r.installed_at.getTime();
        return t >= windowStart && (t < at || (t === at && r.id < install.id));
      })
      .sort((a, b) => b.installed_at.getTime() - a.installed_at.getTime())[0];
    return prior ? { id: prior.id, installedAt: prior.installed_at } : undefined;
  }
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
