import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REDIS_URL } from './support/databases';
import { click, createFixture } from './support/fixtures';
import { postSigned, waitFor } from './support/http';
import { spawnProcess, type Child } from './support/processes';
import { startStack, type Stack } from './support/stack';

/** Nothing listens here: a Redis or PostgreSQL that is down. */
const DEAD_REDIS = 'redis://127.0.0.1:6398';
const DEAD_POSTGRES = 'postgres://postgres@127.0.0.1:5449/lookback';

function expectJsonLines(child: Child): void {
  const bad = child.lines.filter((l) => {
    if (l.trim() === '') return false;
    try {
      return typeof JSON.parse(l) !== 'object';
    } catch {
      return true;
    }
  });
  expect(bad).toEqual([]);
}

/** The compiled processes as an operator runs them: started, stopped with SIGTERM, with dependencies missing. */
describe('the three processes start and stop cleanly', () => {
  let stack: Stack;
  const children: Child[] = [];
  const env = (more: Record<string, string> = {}) => ({
    DATABASE_URL: stack.config.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: stack.config.queuePrefix,
    ADMIN_API_KEY: 'lifecycle-owner-key-0123456789',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    INGESTION_PORT: '0',
    ADMIN_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    SPOOL_DIR: `/tmp/${stack.config.queuePrefix}-lifecycle-spool`,
    ...more,
  });
  const spawn = (name: 'ingestion' | 'worker' | 'admin', e: Record<string, string>) => {
    const c = spawnProcess(name, e);
    children.push(c);
    return c;
  };
  const stopWithin = async (c: Child, boundMs: number) => {
    const sent = Date.now();
    c.kill('SIGTERM');
    const exit = await c.exited;
    expect(exit.at - sent).toBeLessThan(boundMs);
    return exit;
  };

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stack?.close();
  });

  it('ingestion and admin stop on SIGTERM within the bound and exit 0, logging JSON only', async () => {
    const ingestion = spawn('ingestion', env());
    const admin = spawn('admin', env());
    await ingestion.waitForLine(/successfully started/);
    await admin.waitForLine(/successfully started/);
    expect((await stopWithin(ingestion, 10_000)).code).toBe(0);
    expect((await stopWithin(admin, 10_000)).code).toBe(0);
    expectJsonLines(ingestion);
    expectJsonLines(admin);
    expect(ingestion.lines.some((l) => /"msg":"stopped in \d+ ms"/.test(l))).toBe(true);
  }, 40_000);

  it('the worker boots with Redis down, says so in /health, obeys SIGTERM, and logs one JSON line per event', async () => {
    const worker = spawn('worker', env({ REDIS_URL: DEAD_REDIS }));
    const started = await worker.waitForLine(/worker started; health on port \d+/);
    const port = Number(/health on port (\d+)/.exec(started)![1]);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'down', db: 'up', redis: 'down' });
    await new Promise((r) => setTimeout(r, 1500)); // several reconnect attempts
    expect((await stopWithin(worker, 10_000)).code).toBe(0);
    expectJsonLines(worker);
    // An outage is a warning per queue, not a stack per reconnect attempt.
    expect(worker.lines.filter((l) => /ECONNREFUSED/.test(l)).length).toBeLessThanOrEqual(6);
  }, 40_000);

  it('a process waiting for PostgreSQL at start exits on SIGTERM at once, logging JSON only', async () => {
    const ingestion = spawn('ingestion', env({ DATABASE_URL: DEAD_POSTGRES }));
    await ingestion.waitForLine(/Unable to connect to the database/);
    expect((await stopWithin(ingestion, 3000)).code).toBe(0);
    expectJsonLines(ingestion);
  }, 40_000);

  it('a partner that never answers does not hold the worker past the bound; the call is recorded as uncertain', async () => {
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    try {
      const sink = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const f = await createFixture(stack, { postbackUrl: `${sink}/pb?i={install_id}` });
      await click(stack, f.campaignId, 'gaid=fefefefe-1111-2222-3333-444444444444');
      const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
        appId: f.appId,
        installId: 'hung-partner',
        installedAt: new Date(Date.now() + 60_000).toISOString(),
        device: { gaid: 'fefefefe-1111-2222-3333-444444444444' },
      });
      expect(install.status).toBe(202);
      const worker = spawn('worker', env({ OUTBOUND_TIMEOUT_MS: '60000' }));
      await waitFor(async () => {
        const r = await stack.db.query(`SELECT status FROM deliveries WHERE subject_id = $1`, [install.body.id]);
        return r.rows[0]?.status === 'sending';
      }, 'the postback to be in flight', 20_000);
      expect((await stopWithin(worker, 10_000)).code).toBe(0);
      const d = await stack.admin('GET', `/v1/deliveries?subjectId=${install.body.id}`);
      expect(d.body.items[0]).toMatchObject({ status: 'unknown' });
      expect(d.body.items[0].attemptLog).toEqual([expect.objectContaining({ outcome: 'uncertain', error: expect.stringMatching(/stopping/) })]);
      expectJsonLines(worker);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  }, 60_000);
});
