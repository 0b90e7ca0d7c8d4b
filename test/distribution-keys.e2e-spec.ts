import { Queue } from 'bullmq';
import { Client } from 'pg';
import { LOCAL_TABLES, REFERENCE_TABLES } from '../libs/database/src/distribution';
import { ATTRIBUTE_INSTALL_JOB, ATTRIBUTION_QUEUE } from '../libs/queues/src';
import { REDIS_URL, createSuiteDatabase, dropDatabase, withServer } from './support/databases';
import { createFixture, click } from './support/fixtures';
import { postSigned, waitFor } from './support/http';
import { startStack, type Stack } from './support/stack';

/**
 * Citus distributes a table by one column and insists every primary and unique key contains it; a foreign key
 * between two distributed tables must include it on both sides. This reads the migrated schema, so a table
 * added later without app_id in its keys fails here with the fix spelled out.
 */
describe('every per-app table is keyed by app_id (ready to distribute on Citus)', () => {
  let db: Client;
  let name: string;
  const notDistributed = new Set<string>([...REFERENCE_TABLES, ...LOCAL_TABLES]);

  beforeAll(async () => {
    const database = await createSuiteDatabase();
    name = database.name;
    db = new Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    if (name) await withServer((c) => dropDatabase(c, name));
  });

  async function distributedTables(): Promise<string[]> {
    const { rows } = await db.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY 1`,
    );
    return rows.map((r) => r.t).filter((t) => !notDistributed.has(t));
  }

  it('finds the tables it checks (installs, deliveries, clicks, events…)', async () => {
    expect(await distributedTables()).toEqual(
      expect.arrayContaining(['installs', 'deliveries', 'delivery_attempts', 'clicks', 'impressions', 'events', 'event_keys', 'pixel_hits']),
    );
  });

  it('gives every distributed table an app_id column', async () => {
    const missing: string[] = [];
    for (const t of await distributedTables()) {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'app_id' AND NOT attisdropped`,
        [t],
      );
      if (rows.length === 0) missing.push(t);
    }
    expect(missing).toEqual([]);
  });

  it('puts app_id in every primary key, unique constraint and unique index of a distributed table', async () => {
    const tables = await distributedTables();
    const { rows } = await db.query<{ t: string; index: string; columns: string[] }>(
      `SELECT c.relname AS t, i.relname AS index,
              array(SELECT a.attname::text FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k) AS columns
         FROM pg_index x
         JOIN pg_class c ON c.oid = x.indrelid
         JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indisunique AND c.relname = ANY($1::text[])`,
      [tables],
    );
    expect(rows.length).toBeGreaterThanOrEqual(tables.length); // each has at least its primary key
    const bad = rows.filter((r) => !r.columns.includes('app_id')).map((r) => `${r.t}.${r.index} (${r.columns.join(', ')})`);
    // Fix: lead the key with app_id, or list the table in libs/database/src/distribution.ts as a reference table.
    expect(bad).toEqual([]);
  });

  it('lets a foreign key between distributed tables join on app_id, and none point from a reference table into them', async () => {
    const { rows } = await db.query<{ from: string; to: string; def: string; from_cols: string[]; to_cols: string[] }>(
      `SELECT f.conrelid::regclass::text AS from, f.confrelid::regclass::text AS to, pg_get_constraintdef(f.oid) AS def,
              array(SELECT a.attname::text FROM unnest(f.conkey) k JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k) AS from_cols,
              array(SELECT a.attname::text FROM unnest(f.confkey) k JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k) AS to_cols
         FROM pg_constraint f
         JOIN pg_class c ON c.oid = f.conrelid
        WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace AND NOT c.relispartition
          AND f.conparentid = 0`,
    );
    const bad = rows
      .filter((r) => {
        const fromDistributed = !notDistributed.has(r.from);
        const toDistributed = !notDistributed.has(r.to);
        if (!toDistributed) return false; // anything may reference a reference table
        if (!fromDistributed) return true; // a reference table cannot point into a distributed one
        const i = r.from_cols.indexOf('app_id');
        return i < 0 || r.to_cols[i] !== 'app_id';
      })
      .map((r) => `${r.from} → ${r.to}: ${r.def}`);
    expect(bad).toEqual([]);
    expect(rows.map((r) => `${r.from}→${r.to}`)).toContain('delivery_attempts→deliveries');
  });
});

describe('queries by id alone keep working beside the (app_id, id) keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('decides an install from a job that names only its id (enqueued before jobs carried appId)', async () => {
    const f = await createFixture(stack);
    const gaid = '38400000-8cf0-11bd-b23e-10b96e4000aa';
    expect((await click(stack, f.campaignId, `gaid=${gaid}`)).status).toBe(302);
    await new Promise((r) => setTimeout(r, 20));
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'legacy-job-1',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(res.status).toBe(202);

    // Replace the job ingestion queued (which names the app) by one in the older shape.
    const queue = new Queue(ATTRIBUTION_QUEUE, { connection: { url: REDIS_URL }, prefix: stack.config.queuePrefix });
    try {
      const queued = await queue.getJob(res.body.id);
      expect(queued?.data).toEqual({ installId: res.body.id, appId: f.appId });
      await queued!.remove();
      await queue.add(ATTRIBUTE_INSTALL_JOB, { installId: res.body.id }, { jobId: res.body.id, removeOnComplete: true });
    } finally {
      await queue.close();
    }
    await stack.startWorker();

    const install = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.status === 200 && r.body.status !== 'pending' ? r.body : undefined;
    }, 'decision');
    expect(install).toMatchObject({ id: res.body.id, appId: f.appId, status: 'attributed', matchType: 'device_id' });
  });

  it('answers 404 for an install id that no app has', async () => {
    const r = await stack.admin('GET', '/v1/installs/0190d6a2-0000-7000-8000-000000000000');
    expect(r.status).toBe(404);
  });
});
