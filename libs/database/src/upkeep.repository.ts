// Privacy upkeep the worker runs on a timer: full IPs and User-Agents reduced once no fingerprint window can use
// them, and raw clicks, impressions and events older than RETENTION_DAYS dropped (whole partitions).
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

/** The table, the column its age is measured on, and whether it keeps a full User-Agent. */
const REDUCED: [string, string, boolean][] = [
  ['clicks', 'ts', true],
  ['impressions', 'ts', true],
  ['installs', 'received_at', true],
  ['events', 'received_at', false],
];

const RETAINED: [string, string][] = [
  ['clicks', 'ts'],
  ['impressions', 'ts'],
  ['events', 'received_at'],
];

/**
 * Per app, rows older than the app's longest fingerprint window (its campaigns' largest
 * fingerprintLookbackHours, 24 h by default) keep only the /24 (IPv4) or /48 (IPv6) of their address, and no
 * User-Agent (the normalized ua_key, OS and model only, stays for reports and fraud rules). Rows already
 * reduced have a shorter mask and are skipped, so a run repeats nothing. Returns rows changed per table.
 */
export async function reducePersonalData(db: DataSource, batch = 10_000): Promise<Record<string, number>> {
  const apps = await rowsOf<{ id: string; hours: number }>(
    db,
    `SELECT a.id, greatest(24, coalesce(max(c.fingerprint_lookback_hours), 24))::int AS hours
       FROM apps a LEFT JOIN campaigns c ON c.app_id = a.id GROUP BY a.id`,
  );
  const changed: Record<string, number> = {};
  for (const [table, age, hasUa] of REDUCED) {
    changed[table] = 0;
    for (const app of apps) {
      for (;;) {
        // Bounded batches: a first run over a large backlog never holds one huge transaction.
        const rows = await rowsOf<{ n: number }>(
          db,
          `WITH todo AS (
             SELECT id FROM ${table}
              WHERE app_id = $1 AND ${age} < now() - make_interval(hours => $2)
                AND ((ip IS NOT NULL AND masklen(ip) = CASE WHEN family(ip) = 4 THEN 32 ELSE 128 END)${hasUa ? ' OR user_agent IS NOT NULL' : ''})
              LIMIT $3
           ), done AS (
             UPDATE ${table} t
                SET ip = CASE WHEN t.ip IS NULL THEN NULL
                              ELSE network(set_masklen(t.ip, CASE WHEN family(t.ip) = 4 THEN 24 ELSE 48 END))::inet END
                    ${hasUa ? ', user_agent = NULL' : ''}
               FROM todo WHERE t.app_id = $1 AND t.id = todo.id
             RETURNING 1
           )
           SELECT count(*)::int AS n FROM done`,
          [app.id, app.hours, batch],
        );
        changed[table] += rows[0].n;
        if (rows[0].n < batch) break;
      }
    }
  }
  return changed;
}

/**
 * Drops the monthly partitions whose whole month is older than `days`, and deletes older rows from the default
 * partitions. Reports keep their figures: rollups are not raw rows. Returns the partitions dropped.
 */
export async function dropExpiredPartitions(db: DataSource, days: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const [parent, column] of RETAINED) {
    const parts = await rowsOf<{ name: string; upper: string | null }>(
      db,
      `SELECT c.relname AS name,
              (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1] AS upper
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass`,
      [parent],
    );
    const cutoff = Date.now() - days * 86_400_000;
    for (const p of parts) {
      if (p.upper === null) continue;
      if (new Date(p.upper).getTime() <= cutoff) {
        await db.query(`DROP TABLE IF EXISTS "${p.name.replace(/"/g, '')}"`);
        dropped.push(p.name);
      }
    }
    await db.query(`DELETE FROM ${parent}_default WHERE ${column} < now() - make_interval(days => $1)`, [days]);
  }
  // The per-source rollups serve only lookback windows (days, not months): hours past retention are of no use.
  for (const rollup of ['source_clicks', 'source_installs']) {
    await db.query(`DELETE FROM ${rollup} WHERE hour < now() - make_interval(days => $1)`, [days]);
  }
  return dropped;
}
