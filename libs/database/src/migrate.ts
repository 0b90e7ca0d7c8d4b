import { Client } from 'pg';
import { createDataSource } from './data-source';

/** Any fixed 64-bit number; every process that migrates takes this lock first. */
const MIGRATION_LOCK = 7_346_221_905;

/**
 * Creates the database if it is missing, then applies pending migrations while holding a PostgreSQL
 * advisory lock, so `npm run migrate` is safe to run twice and from several processes at once: the
 * second waits for the first and then finds nothing to do.
 */
export async function migrate(databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  await ensureDatabase(databaseUrl, log);
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const ds = createDataSource(databaseUrl, 2);
    await ds.initialize();
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      // Keep the time partitions ahead of the clock even when there is no new migration.
      await ensurePartitions(ds);
      for (const m of applied) log(`applied migration ${m.name}`);
      return applied.map((m) => m.name);
    } finally {
      await ds.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end();
  }
}

/** Every time-partitioned table, kept two months ahead of the clock. */
export const PARTITIONED_TABLES = ['clicks', 'impressions', 'events'];

export async function ensurePartitions(db: { query: (sql: string, params?: unknown[]) => Promise<unknown> }): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    const [{ exists }] = (await db.query('SELECT to_regclass($1) IS NOT NULL AS exists', [table])) as { exists: boolean }[];
    if (exists) await db.query('SELECT lookback_ensure_partitions($1, 2)', [table]);
  }
}

export async function ensureDatabase(databaseUrl: string, log: (line: string) => void = () => {}): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        log(`created database ${name}`);
      } catch (err) {
        // Another process created it between our check and our CREATE: that is what we wanted.
        if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
      }
    }
  } finally {
    await admin.end();
  }
}
