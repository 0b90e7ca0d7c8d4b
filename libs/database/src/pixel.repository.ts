// The home of the pixel's SQL outside the hot path: hit counters as health and the monitor read them.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PixelMonitorSettings, PixelState } from '@app/domain';

type Db = DataSource | EntityManager;

export interface PixelHitTotalsRow {
  event_name: string;
  outcome: 'accepted' | 'rejected' | 'test';
  reason: string;
  last_hour: string;
  last_day: string;
  last_at: Date;
}

/** Per event name, outcome and reason: hits in the last hour and day, and the last hit ever counted. */
export function pixelHitTotals(db: Db, appId: string): Promise<PixelHitTotalsRow[]> {
  return db.query(
    `SELECT event_name, outcome, reason,
            coalesce(sum(hits) FILTER (WHERE minute >= now() - interval '1 hour'), 0)::text AS last_hour,
            coalesce(sum(hits) FILTER (WHERE minute >= now() - interval '1 day'), 0)::text AS last_day,
            max(last_at) AS last_at
       FROM pixel_hits WHERE app_id = $1
      GROUP BY event_name, outcome, reason`,
    [appId],
  );
}

export interface MonitoredApp {
  id: string;
  sdkSecret: string;
  monitor: PixelMonitorSettings;
}

/** Apps whose pixel is watched. */
export async function monitoredApps(db: Db): Promise<MonitoredApp[]> {
  const rows: { id: string; sdk_secret: string; pixel_monitor: PixelMonitorSettings }[] = await db.query(
    `SELECT id, sdk_secret, pixel_monitor FROM apps WHERE pixel_monitor IS NOT NULL ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, sdkSecret: r.sdk_secret, monitor: r.pixel_monitor }));
}

export interface MonitorCountersRow {
  event_name: string;
  last_accepted_at: Date | null;
  accepted: string;
  rejected: string;
}

/**
 * The counters the monitor judges by, from the per-minute hit rows ingestion keeps (never the events): the last
 * accepted hit of each watched event, and accepted and rejected hits in the `windowMinutes` before `now`.
 */
export function monitorCounters(db: Db, appId: string, events: string[], now: Date, windowMinutes: number): Promise<MonitorCountersRow[]> {
  return db.query(
    `SELECT e.name AS event_name,
            (SELECT max(last_at) FROM pixel_hits h WHERE h.app_id = $1 AND h.event_name = e.name AND h.outcome = 'accepted' AND h.minute <= $3) AS last_accepted_at,
            coalesce(sum(h.hits) FILTER (WHERE h.outcome = 'accepted'), 0)::text AS accepted,
            coalesce(sum(h.hits) FILTER (WHERE h.outcome = 'rejected'), 0)::text AS rejected
       FROM unnest($2::text[]) AS e(name)
       LEFT JOIN pixel_hits h ON h.app_id = $1 AND h.event_name = e.name
                             AND h.minute > $3::timestamptz - make_interval(mins => $4) AND h.minute <= $3
      GROUP BY e.name`,
    [appId, events, now, windowMinutes],
  );
}

export interface MonitorStateRow {
  event_name: string;
  state: PixelState;
  since: Date;
  watched_since: Date;
  detail: string;
}

/** The app's judged states, locked for this transaction: one judge per app at a time, so an alert goes once. */
export function lockMonitorStates(tx: EntityManager, appId: string): Promise<MonitorStateRow[]> {
  return tx.query(
    `SELECT event_name, state, since, watched_since, detail FROM pixel_monitor_states WHERE app_id = $1 FOR UPDATE`,
    [appId],
  );
}

/** Monitor states for pixel health. */
export function monitorStates(db: Db, appId: string): Promise<MonitorStateRow[]> {
  return db.query(`SELECT event_name, state, since, watched_since, detail FROM pixel_monitor_states WHERE app_id = $1`, [appId]);
}

export async function saveMonitorStates(
  tx: EntityManager,
  appId: string,
  states: { event: string; state: PixelState; since: Date; watchedSince: Date; detail: string }[],
  now: Date,
): Promise<void> {
  await tx.query(`DELETE FROM pixel_monitor_states WHERE app_id = $1 AND NOT (event_name = ANY($2::text[]))`, [appId, states.map((s) => s.event)]);
  if (states.length === 0) return;
  await tx.query(
    `INSERT INTO pixel_monitor_states (app_id, event_name, state, since, watched_since, detail, checked_at)
     SELECT $1, * , $7 FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[])
     ON CONFLICT (app_id, event_name) DO UPDATE SET state = excluded.state, since = excluded.since, detail = excluded.detail,
            checked_at = excluded.checked_at`,
    [appId, states.map((s) => s.event), states.map((s) => s.state), states.map((s) => s.since), states.map((s) => s.watchedSince), states.map((s) => s.detail), now],
  );
}

/** Puts one pixel alert in the outbox, in the caller's transaction. */
export async function insertAlert(tx: EntityManager, a: { id: string; appId: string; url: string; body: string }): Promise<void> {
  await tx.query(
    `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, method, url, body)
     VALUES ($1, $2, 'alert', 'pixel_monitor', $1, 'POST', $3, $4)`,
    [a.id, a.appId, a.url, a.body],
  );
}

/** The secret that signs an app's alerts (its SDK secret, as API.md says). */
export async function appSdkSecret(db: Db, appId: string): Promise<string | undefined> {
  const rows: { sdk_secret: string }[] = await db.query(`SELECT sdk_secret FROM apps WHERE id = $1`, [appId]);
  return rows[0]?.sdk_secret;
}

/** Pixel hits counted in memory by ingestion over about a second, per app, minute, event name, outcome and reason. */
export interface PixelHitCount {
  appId: string;
  minute: Date;
  name: string;
  outcome: 'accepted' | 'rejected' | 'test';
  reason: string;
  hits: number;
  lastAt: Date;
}

/** What judging an app's pixel decides: every watched event's state, and the alerts owed. */
export interface PixelJudgement<T> {
  states: { event: string; state: PixelState; since: Date; watchedSince: Date; detail: string }[];
  alerts: { id: string; url: string; body: string }[];
  result: T;
}

/** The pixel's counters and judged states, as the admin API's health page and the worker's monitor read them. */
@Injectable()
export class PixelRepository {
  constructor(private readonly db: DataSource) {}

  hitTotals(appId: string): Promise<PixelHitTotalsRow[]> {
    return pixelHitTotals(this.db, appId);
  }

  monitorStates(appId: string): Promise<MonitorStateRow[]> {
    return monitorStates(this.db, appId);
  }

  monitoredApps(): Promise<MonitoredApp[]> {
    return monitoredApps(this.db);
  }

  sdkSecret(appId: string): Promise<string | undefined> {
    return appSdkSecret(this.db, appId);
  }

  /** Adds ingestion's counts to `pixel_hits` in one upsert (a burst of hits costs one statement, not one per hit). */
  async addHitCounts(counts: readonly PixelHitCount[]): Promise<void> {
    await this.db.query(
      `INSERT INTO pixel_hits (app_id, minute, event_name, outcome, reason, hits, last_at)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[])
       ON CONFLICT (app_id, minute, event_name, outcome, reason)
       DO UPDATE SET hits = pixel_hits.hits + EXCLUDED.hits, last_at = greatest(pixel_hits.last_at, EXCLUDED.last_at)`,
      [
        counts.map((c) => c.appId),
        counts.map((c) => c.minute),
        counts.map((c) => c.name),
        counts.map((c) => c.outcome),
        counts.map((c) => c.reason),
        counts.map((c) => c.hits),
        counts.map((c) => c.lastAt),
      ],
    );
  }

  /**
   * Judges one app in one transaction: its states locked (one judge per app at a time, so an alert goes once), its
   * counters read for `events` over the `windowMinutes` before `now`, then what `judge` decides is stored — the
   * states, and the alerts in the outbox.
   */
  judge<T>(
    appId: string,
    events: string[],
    now: Date,
    windowMinutes: number,
    judge: (previous: Map<string, MonitorStateRow>, counters: Map<string, MonitorCountersRow>) => PixelJudgement<T>,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      const previous = new Map((await lockMonitorStates(tx, appId)).map((s) => [s.event_name, s]));
      const counters = new Map((await monitorCounters(tx, appId, events, now, windowMinutes)).map((c) => [c.event_name, c]));
      const decided = judge(previous, counters);
      for (const a of decided.alerts) await insertAlert(tx, { ...a, appId });
      await saveMonitorStates(tx, appId, decided.states, now);
      return decided.result;
    });
  }
}
