import { Redis } from 'ioredis';
import { Client } from 'pg';
import { migrate } from '../libs/database/src';
import { REDIS_URL, SUITE_DB_PREFIX, databaseUrl, dropDatabase, withServer } from './support/databases';
import { postSigned, waitFor } from './support/http';
import { readdir } from 'node:fs/promises';
import { click, clickIdFrom, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('nothing is lost when Redis loses its work', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ RECONCILE_AFTER_MS: '1000', RECONCILE_EVERY_MS: '1000' }, { worker: false });
  });
  afterAll(() => stack?.close());

  it('an install accepted while its job vanished from Redis is still attributed', async () => {
    const f = await createFixture(stack);
    const gaid = 'cdcdcdcd-1111-2222-3333-444444444444';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'lost-job',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(res.status).toBe(202);

    // Redis restarts empty: every queued job is gone. PostgreSQL still has the install, pending.
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${stack.config.queuePrefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    redis.disconnect();

    await stack.startWorker();
    const install = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    }, 'the reconciler to re-offer the install', 15_000);
    expect(install).toMatchObject({ status: 'attributed', matchType: 'device_id', campaignId: f.campaignId });
  });

  it('a click still redirects while PostgreSQL is blocked; it is spooled and stored exactly once later', async () => {
    const f = await createFixture(stack);
    const blocker = new Client({ connectionString: stack.config.databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE');
    let res: Awaited<ReturnType<typeof click>>;
    try {
      res = await click(stack, f.campaignId, 'gaid=spooled-device');
      expect(res.status).toBe(302);
      const spooled = await readdir(stack.config.spoolDir);
      expect(spooled.some((n) => /^clicks-\d+-\d+\.jsonl$/.test(n))).toBe(true);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const id = clickIdFrom(res.location!);
    await waitFor(async () => (await readdir(stack.config.spoolDir)).length === 0, 'the spool to be replayed', 20_000);
    const rows = await stack.db.query('SELECT gaid FROM clicks WHERE id = $1', [id]);
    expect(rows.rows).toEqual([{ gaid: 'spooled-device' }]);
  });

  it('worker health answers on its own port', async () => {
    const res = await fetch(`${stack.workerHealthUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'up', redis: 'up' });
    const metrics = await fetch(`${stack.workerHealthUrl}/metrics`);
    expect(await metrics.text()).toContain('lookback_attribution_decisions_total');
  });
});

describe('npm run migrate', () => {
  const name = `${SUITE_DB_PREFIX}migrate_${process.pid}`;
  afterAll(() => withServer((c) => dropDatabase(c, name)));

  it('creates the database, and is safe to run from two processes at once and again', async () => {
    const url = databaseUrl(name);
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    expect([...a, ...b]).toEqual(['CreateCoreSchema1764547200000', 'CreateEvents1764633600000']);
    expect(await migrate(url)).toEqual([]);
    const client = new Client({ connectionString: url });
    await client.connect();
    const partitions = await client.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'clicks'::regclass`,
    );
    await client.end();
    expect(partitions.rows[0].n).toBeGreaterThanOrEqual(5); // last month … two ahead, plus the default
  });
});
