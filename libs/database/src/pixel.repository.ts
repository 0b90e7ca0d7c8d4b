// The home of the pixel's SQL outside the hot path: hit counters as health and the monitor read them.
import type { DataSource, EntityManager } from 'typeorm';

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
