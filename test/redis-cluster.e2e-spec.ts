import { Client } from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSuiteDatabase, dropDatabase, withServer } from './support/databases';
import { click, clickIdFrom, createFixture, type StackUrls } from './support/fixtures';
import { signBody } from '../libs/domain/src';
import { postSigned, Sink, waitFor } from './support/http';
import { spawnProcess, type Child } from './support/processes';
import { startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';

const OWNER_KEY = 'cluster-owner-key-0123456789abcdef';
const APP_LIMIT = 4;

/**
 * A free port below the ephemeral range (32768+ here), where an outgoing connection of another suite cannot take
 * it between this check and the process's listen. The cluster's nodes use 14000–31999 (with their bus ports).
 */
const handedOut = new Set<number>();
async function freePort(): Promise<number> {
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * 4000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Nest logs "successfully started" before the server listens: wait for the port itself to answer. */
const answering = (url: string) =>
  waitFor(() => fetch(`${url}/health`).then(() => true, () => false), `${url} to answer`, 60_000);

/**
 * The three compiled processes on a real Redis Cluster of three primaries: the whole flow, the queues' keys in one
 * slot on one node, the limits counted in the cluster, the dashboard and the queue metrics, a clean stop.
 */
describe('Lookback on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let database: { name: string; url: string };
  let db: Client;
  let spool: string;
  let prefix: string;
  let tagSlot: number;
  let queueNode: number;
  const sink = new Sink();
  let sinkUrl: string;
  const children: Child[] = [];
  let stack: StackUrls & { adminUrl: string; workerUrl: string };
  let env: (more?: Record<string, string>) => Record<string, string>;

  const spawn = (name: 'ingestion' | 'worker' | 'admin', e: Record<string, string>) => {
    const c = spawnProcess(name, e);
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    const seed = cluster.nodes[0].port;
    // A hash tag whose slot another node owns: the processes are given only the seed node, so the queues working at
    // all shows the client found the rest of the cluster and follows its slot map.
    for (let i = 0; ; i++) {
      const tag = `lbc-${process.pid}-${i}`;
      const slot = await cluster.keyslot(`{${tag}}`);
      const owner = await cluster.ownerOf(slot);
      if (owner !== seed) {
        prefix = `{${tag}}`;
        tagSlot = slot;
        queueNode = owner;
        break;
      }
    }
    database = await createSuiteDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    sinkUrl = await sink.start();
    spool = mkdtempSync(join(tmpdir(), 'lookback-cluster-spool-'));
    const [ingestionPort, adminPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    env = (more = {}) => ({
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: `127.0.0.1:${seed}`,
      QUEUE_PREFIX: prefix,
      ADMIN_API_KEY: OWNER_KEY,
      OUTBOUND_ALLOW_PRIVATE: 'true',
      INGESTION_PORT: String(ingestionPort),
      ADMIN_PORT: String(adminPort),
      WORKER_HEALTH_PORT: String(workerPort),
      DELIVERY_BACKOFF_MS: '100',
      RATE_LIMIT_APP_PER_MINUTE: String(APP_LIMIT),
      LOG_LEVEL: 'info',
      SPOOL_DIR: spool,
      ...more,
    });
    const ingestion = spawn('ingestion', env());
    const admin = spawn('admin', env());
    const worker = spawn('worker', env());
    await Promise.all([
      ingestion.waitForLine(/successfully started/, 60_000),
      admin.waitForLine(/successfully started/, 60_000),
      worker.waitForLine(/worker started; health on port/, 60_000),
    ]);
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await Promise.all([answering(`http://127.0.0.1:${ingestionPort}`), answering(adminUrl), answering(`http://127.0.0.1:${workerPort}`)]);
    stack = {
      ingestionUrl: `http://127.0.0.1:${ingestionPort}`,
      adminUrl,
      workerUrl: `http://127.0.0.1:${workerPort}`,
      admin: async (method, path, body, key = OWNER_KEY) => {
        const res = await fetch(`${adminUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      },
    };
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await sink.stop();
    await db?.end();
    if (database) await withServer((c) => dropDatabase(c, database.name));
    if (spool) rmSync(spool, { recursive: true, force: true });
    await cluster?.stop();
  }, 60_000);

  const install = (f: { appId: string; sdkSecret: string }, installId: string, gaid: string) =>
    postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });

  /** Two cores shared by many suites: a decision may take longer than waitFor's default here. */
  const decided = (id: string) =>
    waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${id}`);
      return r.status === 200 && r.body.status !== 'pending' ? r.body : undefined;
    }, `decision of install ${id}`, 60_000);

  it('click → signed install → attribution → postback → event linked and posted back, all queued through the cluster', async () => {
    const f = await createFixture(stack, {
      postbackUrl: `${sinkUrl}/install?inst={install_id}&clk={click_id}`,
      network: { eventPostbackUrl: `${sinkUrl}/event?e={event_name}&i={install_id}&r={revenue}`, postbackEvents: ['purchase'] },
    });
    const gaid = 'c1c1c1c1-0000-4000-8000-000000000001';
    const c = await click(stack, f.campaignId, `click_id=net-cl-1&gaid=${gaid}`);
    expect(c.status).toBe(302);
    const clickId = clickIdFrom(c.location!);

    const res = await install(f, 'cluster-install-1', gaid);
    expect(res.status).toBe(202);
    const decision = await decided(res.body.id);
    expect(decision).toMatchObject({ status: 'attributed', campaignId: f.campaignId, clickId, matchType: 'device_id' });

    const postback = await waitFor(async () => sink.received.find((r) => r.url.startsWith('/install?')), 'install postback', 60_000);
    expect(Object.fromEntries(new URL(postback.url, sinkUrl).searchParams)).toEqual({ inst: res.body.id, clk: 'net-cl-1' });
    await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?kind=postback&subjectId=${res.body.id}`);
      return d.body.items[0]?.status === 'delivered';
    }, 'install postback delivered', 60_000);

    const event = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId,
      eventId: 'cluster-order-1',
      installId: 'cluster-install-1',
      name: 'purchase',
      occurredAt: new Date().toISOString(),
      revenue: 2.5,
      currency: 'USD',
    });
    expect(event.status).toBe(202);
    const linked = await waitFor(async () => {
      const r = await db.query(`SELECT status, install_ref, campaign_id FROM events WHERE id = $1`, [event.body.id]);
      return r.rows[0]?.status === 'linked' ? r.rows[0] : undefined;
    }, 'event linked', 60_000);
    expect(linked).toEqual({ status: 'linked', install_ref: res.body.id, campaign_id: f.campaignId });
    const eventPostback = await waitFor(async () => sink.received.find((r) => r.url.startsWith('/event?')), 'event postback', 60_000);
    expect(Object.fromEntries(new URL(eventPostback.url, sinkUrl).searchParams)).toEqual({ e: 'purchase', i: res.body.id, r: '2.5' });
    expect(sink.received.filter((r) => r.url.startsWith('/install?') && r.url.includes(res.body.id))).toHaveLength(1);
    // Nothing was refused on the way (a CROSSSLOT or MOVED the client could not follow is logged as an error).
    const errors = children.slice(0, 3).flatMap((c) => c.lines.filter((l) => /"level":(50|60)/.test(l)));
    expect(errors).toEqual([]);
  }, 120_000);

  it('keeps every queue key in the hash tag\'s one slot, on the node that owns it and on no other', async () => {
    const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/slots?inst={install_id}` });
    const gaid = 'c1c1c1c1-0000-4000-8000-000000000002';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    const res = await install(f, 'cluster-install-slots', gaid);
    expect(res.status).toBe(202);
    await decided(res.body.id);
    await waitFor(async () => sink.received.find((r) => r.url.includes(res.body.id)), 'postback', 60_000);

    const keysOn = async (port: number) => (await cluster.node(port).keys(`${prefix}:*`)).sort();
    const held = await keysOn(queueNode);
    // Jobs are removed once complete; what stays is each queue's own state (meta, event stream, id counter).
    for (const queue of ['attribution', 'deliveries']) {
      expect(held).toContain(`${prefix}:${queue}:meta`);
      expect(held).toContain(`${prefix}:${queue}:events`);
    }
    for (const key of held) expect(await cluster.keyslot(key)).toBe(tagSlot);
    for (const other of cluster.nodes.filter((n) => n.port !== queueNode)) expect(await keysOn(other.port)).toEqual([]);
    // The three primaries really share the slots: the queues' node is one of three, not the whole keyspace.
    const owners = new Set(await Promise.all([0, 8000, 16383].map((s) => cluster.ownerOf(s))));
    expect(owners.size).toBe(3);
  }, 120_000);

  it('counts the per-app limit in the cluster: the 5th signed install of a minute is refused with 429', async () => {
    const f = await createFixture(stack);
    for (let i = 0; i < APP_LIMIT; i++) {
      const res = await fetch(`${stack.ingestionUrl}/v1/installs`, signedInit(f.sdkSecret, { appId: f.appId, installId: `limit-${i}`, installedAt: new Date().toISOString() }));
      expect(res.status).toBe(202);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(APP_LIMIT - 1 - i));
    }
    const refused = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, { appId: f.appId, installId: 'limit-over', installedAt: new Date().toISOString() });
    expect(refused).toEqual({ status: 429, body: { error: { code: 'rate_limited', message: expect.any(String) } } });

    // The counter is one key without the queues' hash tag, stored on whichever node owns its own slot.
    const key = `${prefix.replace(/[{}]/g, '')}:rate-limit:app:${f.appId}`;
    const owner = await cluster.ownerOf(await cluster.keyslot(key));
    expect(await cluster.node(owner).get(key)).toBe(String(APP_LIMIT));
    const rows = await db.query(`SELECT count(*)::int AS n FROM installs WHERE app_id = $1`, [f.appId]);
    expect(rows.rows[0].n).toBe(APP_LIMIT);
  }, 120_000);

  it('the health checks, the queue metrics and the queue dashboard read the cluster', async () => {
    for (const url of [stack.ingestionUrl, stack.adminUrl, stack.workerUrl]) {
      // Each check has 1.5 s; on a loaded machine one may miss it, so a few are allowed to.
      const report = await waitFor(async () => {
        const health = await fetch(`${url}/health`);
        return health.status === 200 ? ((await health.json()) as Record<string, unknown>) : undefined;
      }, `${url}/health ok`, 30_000);
      expect(report).toMatchObject({ status: 'ok', db: 'up', redis: 'up' });
    }
    const metrics = await (await fetch(`${stack.workerUrl}/metrics`)).text();
    for (const queue of ['attribution', 'deliveries', 'events']) {
      expect(metrics).toMatch(new RegExp(`^lookback_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+`, 'm'));
    }
    const board = await fetch(`${stack.adminUrl}/queues/api/queues`, { headers: { authorization: `Bearer ${OWNER_KEY}` } });
    expect(board.status).toBe(200);
    const names = ((await board.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['attribution', 'deliveries', 'events']));
  }, 60_000);

  it('a worker and an ingestion process on the cluster stop on SIGTERM with exit 0', async () => {
    const [ingestionPort, workerPort] = [await freePort(), await freePort()];
    const more = { INGESTION_PORT: String(ingestionPort), WORKER_HEALTH_PORT: String(workerPort) };
    const ingestion = spawn('ingestion', env(more));
    const worker = spawn('worker', env(more));
    await ingestion.waitForLine(/successfully started/, 60_000);
    await worker.waitForLine(/worker started; health on port/, 60_000);
    await answering(`http://127.0.0.1:${ingestionPort}`);
    ingestion.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect((await ingestion.exited).code).toBe(0);
    expect((await worker.exited).code).toBe(0);
    expect(worker.lines.some((l) => /"msg":"stopped in \d+ ms"/.test(l))).toBe(true);
  }, 90_000);

  it('refuses to start on a cluster with a prefix that has no hash tag: exit 78, naming QUEUE_PREFIX', async () => {
    const ingestion = spawn('ingestion', env({ QUEUE_PREFIX: 'lookback' }));
    expect((await ingestion.exited).code).toBe(78);
    expect(ingestion.lines.join('\n')).toMatch(/Invalid configuration: QUEUE_PREFIX="lookback" — with REDIS_CLUSTER_NODES set.*\{lookback\}/);
  }, 30_000);
});

/** Its own cluster, since it takes a node away: the node that holds the queues' slot. */
describe('Lookback on a Redis Cluster that loses the queues\' node', () => {
  let cluster: RedisClusterHandle;
  let database: { name: string; url: string };
  let spool: string;
  let worker: Child | undefined;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    database = await createSuiteDatabase();
    spool = mkdtempSync(join(tmpdir(), 'lookback-cluster-spool-'));
  }, 120_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    await withServer((c) => dropDatabase(c, database.name));
    rmSync(spool, { recursive: true, force: true });
    await cluster?.stop();
  }, 60_000);

  it('the worker says redis down in /health (a PING to another node would still answer), stays up, and stops with exit 0', async () => {
    const prefix = `{lbc-loss-${process.pid}}`;
    const queueNode = await cluster.ownerOf(await cluster.keyslot(prefix));
    const port = await freePort();
    worker = spawnProcess('worker', {
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      QUEUE_PREFIX: prefix,
      WORKER_HEALTH_PORT: String(port),
      LOG_LEVEL: 'info',
      SPOOL_DIR: spool,
    });
    await worker.waitForLine(/worker started; health on port/, 60_000);
    const url = `http://127.0.0.1:${port}`;
    const health = async () => {
      const res = await fetch(`${url}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    await waitFor(async () => (await health()).status === 200, 'worker healthy', 30_000);

    await cluster.kill(queueNode);
    const down = await waitFor(async () => {
      const h = await health();
      return h.status === 503 ? h : undefined;
    }, 'worker to report the queues\' node gone', 30_000);
    expect(down.body).toMatchObject({ status: 'down', db: 'up', redis: 'down' });
    // Not one unlucky check: every check asks the slot's node (a PING would go to a live node and answer).
    for (let i = 0; i < 3; i++) expect((await health()).body).toMatchObject({ redis: 'down' });
    // The two remaining nodes still answer PING: what the check asks is the queues' slot.
    for (const n of cluster.nodes.filter((x) => x.port !== queueNode)) expect(await cluster.node(n.port).ping()).toBe('PONG');
    expect(worker.child.exitCode).toBeNull();
    expect(worker.lines.filter((l) => /uncaught exception|unhandled rejection/.test(l))).toEqual([]);

    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  }, 120_000);
});

function signedInit(secret: string, body: unknown): RequestInit {
  const raw = JSON.stringify(body);
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-lookback-signature': signBody(secret, raw) }, body: raw };
}
