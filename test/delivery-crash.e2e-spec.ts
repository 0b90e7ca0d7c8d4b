import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveriesRepository, createDataSource } from '../libs/database/src';
import { uuidv7 } from '../libs/domain/src';
import { REDIS_URL } from './support/databases';
import { click, createFixture } from './support/fixtures';
import { postSigned, waitFor } from './support/http';
import { spawnProcess, type Child } from './support/processes';
import { startStack, type Stack } from './support/stack';

/**
 * The crash window of at-most-once: the partner has the postback, the worker dies before recording its answer.
 * The worker runs as its compiled binary in a child process; the stand-in ad network kills it with SIGKILL the
 * moment the postback arrives, then answers 200 to nobody.
 */
describe('a worker killed between the postback and its record', () => {
  let stack: Stack;
  let sink: Server;
  let sinkUrl: string;
  const received: string[] = [];
  let victim: Child | undefined;
  const children: Child[] = [];

  const workerEnv = () => ({
    DATABASE_URL: stack.config.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: stack.config.queuePrefix,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'warn',
    RECONCILE_EVERY_MS: '1000',
    RECONCILE_AFTER_MS: '1000',
    OUTBOUND_TIMEOUT_MS: '2000',
  });

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    sink = createServer((req, res) => {
      received.push(req.url ?? '');
      if (victim) {
        victim.kill('SIGKILL');
        victim = undefined;
      }
      setTimeout(() => res.end('ok'), 50);
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    sink?.closeAllConnections();
    await new Promise((r) => sink?.close(r));
    await stack?.close();
  });

  it('keeps the interrupted attempt, marks the delivery unknown and never sends it again', async () => {
    const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/pb?i={install_id}` });
    const gaid = 'abababab-1111-2222-3333-444444444444';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'crash-window',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(install.status).toBe(202);

    const first = spawnProcess('worker', workerEnv());
    children.push(first);
    victim = first;
    let timer: NodeJS.Timeout | undefined;
    const death = await Promise.race([
      first.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`worker never called out:\n${first.lines.join('\n')}`)), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(death.signal).toBe('SIGKILL');
    expect(received.filter((u) => u.includes(install.body.id))).toHaveLength(1);

    // The attempt was committed before the call: the dead worker left a trace.
    const open = await stack.db.query(
      `SELECT d.status, a.attempt, a.outcome FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.subject_id = $1`,
      [install.body.id],
    );
    expect(open.rows).toEqual([{ status: 'sending', attempt: 1, outcome: 'sending' }]);

    // Time passes beyond the dead worker's lease; a new worker starts.
    await stack.db.query(`UPDATE deliveries SET locked_until = now() - interval '1 second' WHERE subject_id = $1`, [install.body.id]);
    const second = spawnProcess('worker', workerEnv());
    children.push(second);
    const delivery = await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?kind=postback&subjectId=${install.body.id}`);
      return d.body.items[0]?.status === 'unknown' ? d.body.items[0] : undefined;
    }, 'the delivery to be judged interrupted', 20_000);
    expect(delivery.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'interrupted', statusCode: null, error: expect.stringMatching(/^interrupted/) }),
    ]);
    expect(delivery.lastError).toMatch(/may have received it/);
    // Give the second worker time to (wrongly) send it again.
    await new Promise((r) => setTimeout(r, 2500));
    expect(received.filter((u) => u.includes(install.body.id))).toHaveLength(1);
    expect((await stack.admin('GET', `/v1/deliveries?status=unknown&subjectId=${install.body.id}`)).body.items).toHaveLength(1);

    second.kill('SIGTERM');
    const stopped = await second.exited;
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM' || stopped.code === 143).toBe(true);
  }, 60_000);

  it('an interrupted postback to a network that drops repeats of a click id is offered again', async () => {
    const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/pb2`, network: { dedupesClickId: true } });
    const other = await createFixture(stack, { postbackUrl: `${sinkUrl}/pb3` });
    const open = async (networkId: string, appId: string) => {
      const id = uuidv7();
      await stack.db.query(
        `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url, status, attempts, locked_until)
         VALUES ($1, $2, 'postback', 'install', $3, $4, 'GET', 'http://127.0.0.1:1/x', 'sending', 1, now() - interval '1 second')`,
        [id, appId, uuidv7(), networkId],
      );
      await stack.db.query(`INSERT INTO delivery_attempts (app_id, delivery_id, attempt, outcome) VALUES ($2, $1, 1, 'sending')`, [id, appId]);
      return id;
    };
    const dedupes = await open(f.networkId, f.appId);
    const plain = await open(other.networkId, other.appId);
    const leased = await open(other.networkId, other.appId);
    await stack.db.query(`UPDATE deliveries SET locked_until = now() + interval '1 minute' WHERE id = $1`, [leased]);

    const ds = createDataSource(stack.config.databaseUrl, 2);
    await ds.initialize();
    const swept = await new DeliveriesRepository(ds).sweepInterrupted().finally(() => ds.destroy());
    expect(swept.map((s) => [s.id, s.status]).sort()).toEqual([[dedupes, 'pending'], [plain, 'unknown']].sort());
    const rows = await stack.db.query(
      `SELECT d.id, d.status, a.outcome FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.id = ANY($1) ORDER BY d.id`,
      [[dedupes, plain, leased]],
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, [r.status, r.outcome]]))).toEqual({
      [dedupes]: ['pending', 'interrupted'],
      [plain]: ['unknown', 'interrupted'],
      [leased]: ['sending', 'sending'],
    });
  });
});
