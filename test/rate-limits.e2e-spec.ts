import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { signBody } from '../libs/domain/src';
import { createIngestionApp } from '../apps/ingestion/src/ingestion.app';
import { createFixture } from './support/fixtures';
import { waitFor } from './support/http';
import { OWNER_KEY, startStack, type Stack } from './support/stack';

/** Per-app limits on signed ingestion and per-key limits on the admin API, counted in Redis; fail open without it. */

interface Answer {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers, ms: Date.now() - started };
}

const signed = (url: string, secret: string, body: unknown) => {
  const raw = JSON.stringify(body);
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lookback-signature': signBody(secret, raw) },
    body: raw,
  });
};

interface TestApp {
  appId: string;
  sdkSecret: string;
}

async function newApp(stack: Stack): Promise<TestApp> {
  const res = await stack.admin('POST', '/v1/apps', { name: 'Limited', platform: 'android', bundleId: `com.example.${randomUUID().slice(0, 8)}` });
  if (res.status !== 201) throw new Error(`create app: ${res.status} ${JSON.stringify(res.body)}`);
  return { appId: res.body.id, sdkSecret: res.body.sdkSecret };
}

const installBody = (app: TestApp, installId = `i-${randomUUID()}`) => ({
  appId: app.appId,
  installId,
  installedAt: new Date().toISOString(),
});
const eventBody = (eventId = `e-${randomUUID()}`) => ({
  eventId,
  installId: `i-${randomUUID()}`,
  name: 'purchase',
  occurredAt: new Date().toISOString(),
});

const rateLimited = { error: { code: 'rate_limited', message: expect.any(String) } };

function expectRefused(res: Answer, limit: number, remaining = 0): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual(rateLimited);
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
}

async function installsStored(stack: Stack, appId: string): Promise<number> {
  const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM installs WHERE app_id = $1', [appId]);
  return rows[0].n;
}

async function eventsStored(stack: Stack, appId: string, eventIds: string[]): Promise<number> {
  const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM events WHERE app_id = $1 AND event_id = ANY($2)', [appId, eventIds]);
  return rows[0].n;
}

describe('signed ingestion is limited per app', () => {
  let stack: Stack;
  let installs: string;
  let events: string;

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_APP_PER_MINUTE: '5', RATE_LIMIT_KEY_PER_MINUTE: '10000' }, { worker: false });
    installs = `${stack.ingestionUrl}/v1/installs`;
    events = `${stack.ingestionUrl}/v1/events`;
  });
  afterAll(() => stack?.close());

  it('answers the 6th signed install of a minute with 429, Retry-After and the error body; another app is not affected', async () => {
    const app = await newApp(stack);
    const other = await newApp(stack);
    for (let i = 0; i < 5; i++) {
      const res = await signed(installs, app.sdkSecret, installBody(app));
      expect(res.status).toBe(202);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
    }
    const sixth = await signed(installs, app.sdkSecret, installBody(app, 'i-sixth'));
    expectRefused(sixth, 5);
    expect(await installsStored(stack, app.appId)).toBe(5);

    // Installs and events draw on one budget.
    expectRefused(await signed(events, app.sdkSecret, { appId: app.appId, ...eventBody() }), 5);

    const theirs = await signed(installs, other.sdkSecret, installBody(other));
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('refuses a batch that needs more than what remains, whole and storing nothing, and keeps the rest usable', async () => {
    const app = await newApp(stack);
    for (let i = 0; i < 3; i++) expect((await signed(installs, app.sdkSecret, installBody(app))).status).toBe(202);

    const tooMany = [eventBody(), eventBody(), eventBody()];
    const refused = await signed(`${events}/batch`, app.sdkSecret, { appId: app.appId, events: tooMany });
    expectRefused(refused, 5, 2);
    expect(await eventsStored(stack, app.appId, tooMany.map((e) => e.eventId))).toBe(0);

    const fits = [eventBody(), eventBody()];
    const accepted = await signed(`${events}/batch`, app.sdkSecret, { appId: app.appId, events: fits });
    expect(accepted.status).toBe(207);
    expect(accepted.body.results.map((r: { status: number }) => r.status)).toEqual([202, 202]);
    expect(accepted.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await eventsStored(stack, app.appId, fits.map((e) => e.eventId))).toBe(2);

    expectRefused(await signed(`${events}/batch`, app.sdkSecret, { appId: app.appId, events: [eventBody()] }), 5);
  });

  it('a batch larger than the whole limit is refused and says so', async () => {
    const app = await newApp(stack);
    const batch = Array.from({ length: 6 }, () => eventBody());
    const res = await signed(`${events}/batch`, app.sdkSecret, { appId: app.appId, events: batch });
    expectRefused(res, 5, 5);
    expect(res.body.error.message).toMatch(/smaller batches/);
    expect((await signed(installs, app.sdkSecret, installBody(app))).status).toBe(202);
  });

  it('counts concurrent requests taken together exactly as if they came one by one', async () => {
    // Requests of one app arriving while its Redis call is out share the next call: 12 at once against a limit of 5
    // take the group path (together they do not fit, so each asks alone), the next 6 the refusal from one reply.
    const app = await newApp(stack);
    const first = await Promise.all(Array.from({ length: 12 }, () => signed(installs, app.sdkSecret, installBody(app))));
    const accepted = first.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(5);
    expect(accepted.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const r of first.filter((x) => x.status !== 202)) expectRefused(r, 5);
    const again = await Promise.all(Array.from({ length: 6 }, () => signed(installs, app.sdkSecret, installBody(app))));
    for (const r of again) expectRefused(r, 5);
    expect(await installsStored(stack, app.appId)).toBe(5);
  });

  it('takes a batch and singles arriving together in one count, each told what it left', async () => {
    const app = await newApp(stack);
    expect((await signed(installs, app.sdkSecret, installBody(app))).status).toBe(202);
    // 4 left: a batch of 3 and three singles at once; whichever order Redis sees, 4 points are taken and no more.
    const batchIds = Array.from({ length: 3 }, () => `e-${randomUUID()}`);
    const answers = await Promise.all([
      signed(`${events}/batch`, app.sdkSecret, { appId: app.appId, events: batchIds.map((id) => eventBody(id)) }),
      ...Array.from({ length: 3 }, () => signed(installs, app.sdkSecret, installBody(app))),
    ]);
    const [batch, ...singles] = answers;
    const singlesIn = singles.filter((r) => r.status === 202).length;
    // A counted batch answers 207 with each item's own status.
    if (batch.status !== 429) expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([202, 202, 202]);
    const batchIn = batch.status === 429 ? 0 : 3;
    expect(batchIn + singlesIn).toBeLessThanOrEqual(4);
    expect(batchIn + singlesIn).toBeGreaterThanOrEqual(3);
    for (const r of singles.filter((x) => x.status !== 202)) expect(r.status).toBe(429);
    expect(await installsStored(stack, app.appId)).toBe(1 + singlesIn);
    expect(await eventsStored(stack, app.appId, batchIds)).toBe(batchIn);
    const remaining = answers.filter((r) => r.status !== 429).map((r) => Number(r.headers.get('x-ratelimit-remaining')));
    expect(new Set(remaining).size).toBe(remaining.length);
    expect(Math.min(...remaining)).toBe(4 - batchIn - singlesIn);
  });

  it('never counts an unsigned or wrongly signed request against the app', async () => {
    const app = await newApp(stack);
    for (let i = 0; i < 8; i++) {
      const raw = JSON.stringify(installBody(app));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (i % 2 === 1) headers['x-lookback-signature'] = signBody('not-the-secret', raw);
      const res = await call(installs, { method: 'POST', headers, body: raw });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ratelimit-remaining')).toBeNull();
    }
    for (let i = 0; i < 5; i++) expect((await signed(installs, app.sdkSecret, installBody(app))).status).toBe(202);
    // Over the limit, an unsigned request is still a 401: the limit never tells a stranger anything about an app.
    expect((await call(installs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(installBody(app)) })).status).toBe(401);
    expectRefused(await signed(installs, app.sdkSecret, installBody(app)), 5);
  });

  it('holds one count across two ingestion instances (the count is in Redis)', async () => {
    const second: NestFastifyApplication = await createIngestionApp(stack.config);
    await second.listen({ port: 0, host: '127.0.0.1' });
    try {
      const secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}/v1/installs`;
      const app = await newApp(stack);
      for (const url of [installs, secondUrl, installs, secondUrl, installs]) {
        expect((await signed(url, app.sdkSecret, installBody(app))).status).toBe(202);
      }
      expectRefused(await signed(secondUrl, app.sdkSecret, installBody(app)), 5);
      expectRefused(await signed(installs, app.sdkSecret, installBody(app)), 5);
    } finally {
      await second.close();
    }
  });

  it('does not limit clicks, impressions or health and metrics', async () => {
    const f = await createFixture(stack);
    for (let i = 0; i < 5; i++) expect((await signed(installs, f.sdkSecret, installBody({ appId: f.appId, sdkSecret: f.sdkSecret }))).status).toBe(202);
    expectRefused(await signed(installs, f.sdkSecret, installBody({ appId: f.appId, sdkSecret: f.sdkSecret })), 5);
    for (let i = 0; i < 8; i++) {
      const c = await fetch(`${stack.ingestionUrl}/c/${f.campaignId}?click_id=c${i}`, { redirect: 'manual' });
      expect(c.status).toBe(302);
      const imp = await fetch(`${stack.ingestionUrl}/i/${f.campaignId}`);
      expect(imp.status).toBeLessThan(300);
      expect((await fetch(`${stack.ingestionUrl}/health`)).status).toBe(200);
      expect((await fetch(`${stack.ingestionUrl}/metrics`)).status).toBe(200);
    }
  });
});

describe('the admin API is limited per key', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_KEY_PER_MINUTE: '5' }, { worker: false });
  });
  afterAll(() => stack?.close());

  it('answers the 6th request of a key with 429; another key and a wrong key are unaffected', async () => {
    const a = await stack.admin('POST', '/v1/api-keys', { name: 'dashboard', scopes: ['read'] });
    const b = await stack.admin('POST', '/v1/api-keys', { name: 'exporter', scopes: ['read'] });
    expect([a.status, b.status]).toEqual([201, 201]);
    const get = (key: string, path = '/v1/apps') => call(`${stack.adminUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

    for (let i = 0; i < 5; i++) {
      const res = await get(a.body.key);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
    }
    expectRefused(await get(a.body.key), 5);
    // A scope the key lacks is not a way around its limit.
    expectRefused(await call(`${stack.adminUrl}/v1/apps`, { method: 'POST', headers: { authorization: `Bearer ${a.body.key}`, 'content-type': 'application/json' }, body: '{}' }), 5);

    expect((await get(b.body.key)).status).toBe(200);
    for (let i = 0; i < 7; i++) expect((await get('lbk_not-a-key-at-all')).status).toBe(401);
    for (let i = 0; i < 7; i++) expect((await call(`${stack.adminUrl}/health`, {})).status).toBe(200);
    // The owner made two requests (the keys) and one now: its own budget.
    expect((await get(OWNER_KEY)).headers.get('x-ratelimit-remaining')).toBe('2');
  });
});

/** A Redis of this suite's own, on a free port, so it can be killed and paused; the shared one is never touched. */
class OwnRedis {
  private proc: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
      proc.stdout!.on('data', (b: Buffer) => {
        if (/Ready to accept connections/.test(b.toString())) {
          clearTimeout(t);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.proc?.pid !== undefined && this.proc.exitCode === null && this.proc.signalCode === null) process.kill(this.proc.pid, signal);
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await exited;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function failOpenCount(stack: Stack, reason: string): Promise<number> {
  const text = await (await fetch(`${stack.ingestionUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`lookback_rate_limit_fail_open_total{limit="app",reason="${reason}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('when the limiter Redis is down or hung, requests are served (fail open) and counted in a metric', () => {
  let stack: Stack;
  let redis: OwnRedis;
  let installs: string;

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    stack = await startStack(
      { RATE_LIMIT_APP_PER_MINUTE: '5', RATE_LIMIT_REDIS_URL: redis.url, RATE_LIMIT_TIMEOUT_MS: '100' },
      { worker: false },
    );
    installs = `${stack.ingestionUrl}/v1/installs`;
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.kill();
  });

  it('serves every signed install while Redis is gone or paused, and counts again when it is back', async () => {
    const app = await newApp(stack);
    for (let i = 0; i < 5; i++) expect((await signed(installs, app.sdkSecret, installBody(app))).status).toBe(202);
    expectRefused(await signed(installs, app.sdkSecret, installBody(app)), 5);

    // Gone: the connection is refused, so each request learns it at once.
    const goneBefore = await failOpenCount(stack, 'unavailable');
    await redis.kill();
    for (let i = 0; i < 10; i++) {
      const res = await signed(installs, app.sdkSecret, installBody(app));
      expect(res.status).toBe(202);
      expect(res.headers.get('x-ratelimit-remaining')).toBeNull();
      expect(res.ms).toBeLessThan(1000);
    }
    expect((await failOpenCount(stack, 'unavailable')) - goneBefore).toBeGreaterThanOrEqual(10);
    expect(await installsStored(stack, app.appId)).toBe(15);

    // Back (an empty Redis: this minute's count starts again).
    await redis.start();
    await waitFor(async () => (await signed(installs, app.sdkSecret, installBody(app))).headers.get('x-ratelimit-limit') === '5', 'limits counted again', 10_000);

    // Hung: connected but silent; each request waits for the limiter timeout at most, then is served.
    const hungBefore = await failOpenCount(stack, 'timeout');
    redis.signal('SIGSTOP');
    try {
      for (let i = 0; i < 5; i++) {
        const res = await signed(installs, app.sdkSecret, installBody(app));
        expect(res.status).toBe(202);
        expect(res.ms).toBeLessThan(1000);
      }
    } finally {
      redis.signal('SIGCONT');
    }
    expect((await failOpenCount(stack, 'timeout')) - hungBefore).toBeGreaterThanOrEqual(5);
  });
});
