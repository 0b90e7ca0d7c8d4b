import { createHmac, timingSafeEqual } from 'node:crypto';
import { PixelMonitor } from '../apps/attribution-worker/src/pixel/pixel-monitor.service';
import { Sink, waitFor, type Received } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** The pixel monitor: one signed alert when a watched event goes silent or is rejected, one when it recovers. */
describe('pixel monitor', () => {
  let stack: Stack;
  let sink: Sink;
  let sinkUrl: string;
  let f: Fixture;

  beforeAll(async () => {
    // The schedule's own timer stays out of the way: the test runs the monitor at clocks of its choosing.
    stack = await startStack({ PIXEL_MONITOR_EVERY_MS: '86400000' });
    sink = new Sink();
    sinkUrl = await sink.start();
  });
  afterAll(async () => {
    await stack?.close();
    await sink?.stop();
  });

  const monitor = () => stack.worker!.get(PixelMonitor);
  const hit = (query: string) => fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?${query}`).then((r) => r.arrayBuffer());
  const alertsOf = (appId: string) => sink.received.filter((r) => r.url === `/alerts/${appId}`);

  /** Verified as the marketer's endpoint would: HMAC-SHA256 of "<t>.<body>" keyed by the app's SDK secret. */
  function verified(r: Received, secret: string) {
    const header = String(r.headers['x-lookback-signature']);
    const t = /t=(\d+)/.exec(header)![1];
    const mac = createHmac('sha256', secret).update(`${t}.${r.body}`).digest();
    const given = Buffer.from(/v1=([0-9a-f]{64})/.exec(header)![1], 'hex');
    if (!timingSafeEqual(mac, given)) throw new Error('bad signature');
    return JSON.parse(r.body) as { appId: string; event: string; kind: string; since: string; detail: string };
  }

  it('alerts once on silence, once on rejections and once on recovery, signed, and shows the state in health', async () => {
    f = await createFixture(stack);
    const set = await stack.admin('PATCH', `/v1/apps/${f.appId}`, {
      pixelMonitor: { webhookUrl: `${sinkUrl}/alerts/${f.appId}`, events: ['purchase', 'signup'], silentAfterMinutes: 60 },
    });
    expect(set.status).toBe(200);
    expect(set.body.pixelMonitor).toEqual({ webhookUrl: `${sinkUrl}/alerts/${f.appId}`, events: ['purchase', 'signup'], silentAfterMinutes: 60, rejectedPercent: 20 });

    const t0 = Date.now();
    // The watch starts two hours back on the monitor's clock; the pixel fires for real now.
    const start = new Date(t0 - 120 * 60_000);
    expect(await monitor().check(start)).toEqual([]);
    await hit('e=purchase&v=9.99&cur=EUR');
    await hit('e=signup');
    for (let i = 0; i < 25; i++) await hit('e=signup&v=5'); // revenue without a currency: rejected
    await waitFor(async () => {
      const r = await stack.db.query(`SELECT coalesce(sum(hits), 0)::int AS n FROM pixel_hits WHERE app_id = $1`, [f.appId]);
      return r.rows[0].n >= 27;
    }, 'the hit counters');

    // 61 minutes into the watch, before the real hits: both events have been silent for an hour.
    const silent = await monitor().check(new Date(start.getTime() + 61 * 60_000));
    expect(silent.map((a) => [a.event, a.kind]).sort()).toEqual([
      ['purchase', 'silent'],
      ['signup', 'silent'],
    ]);
    expect(await monitor().check(new Date(start.getTime() + 62 * 60_000))).toEqual([]); // once, not every check

    // After the real hits: purchase recovered; signup fires but most of its hits are rejected.
    const after = new Date(Date.now() + 60_000);
    const changed = await monitor().check(after);
    expect(changed.map((a) => [a.event, a.kind]).sort()).toEqual([
      ['purchase', 'recovered'],
      ['signup', 'rejecting'],
    ]);
    expect(await monitor().check(new Date(after.getTime() + 1000))).toEqual([]);

    const received = await waitFor(async () => (alertsOf(f.appId).length >= 4 ? alertsOf(f.appId) : undefined), 'four alerts');
    const bodies = received.map((r) => verified(r, f.sdkSecret));
    expect(bodies.map((b) => `${b.event}:${b.kind}`).sort()).toEqual(['purchase:recovered', 'purchase:silent', 'signup:rejecting', 'signup:silent']);
    expect(bodies.find((b) => b.kind === 'rejecting')).toMatchObject({ appId: f.appId, detail: expect.stringMatching(/96(\.\d)?% of 26 hits rejected/) });
    expect(() => verified(received[0], 'sdk_not-the-secret')).toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(alertsOf(f.appId)).toHaveLength(4);

    const health = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
    const state = Object.fromEntries(health.body.events.map((e: { name: string; monitor: { state: string } | null }) => [e.name, e.monitor?.state]));
    expect(state).toEqual({ purchase: 'firing', signup: 'rejecting' });
    const log = await stack.admin('GET', `/v1/deliveries?kind=alert&appId=${f.appId}`);
    expect(log.body.items).toHaveLength(4);
    expect(log.body.items.every((d: { kind: string; method: string }) => d.kind === 'alert' && d.method === 'POST')).toBe(true);
  });

  it('refuses a bad monitor with a 400 naming the field, and null turns it off', async () => {
    f = await createFixture(stack);
    const bad: [unknown, string][] = [
      [{ webhookUrl: 'ftp://x', events: ['a'] }, 'pixelMonitor.webhookUrl'],
      [{ webhookUrl: sinkUrl, events: [] }, 'pixelMonitor.events'],
      [{ webhookUrl: sinkUrl, events: ['bad name'] }, 'pixelMonitor.events'],
      [{ webhookUrl: sinkUrl, events: ['a'], silentAfterMinutes: 0 }, 'pixelMonitor.silentAfterMinutes'],
      [{ webhookUrl: sinkUrl, events: ['a'], rejectedPercent: 101 }, 'pixelMonitor.rejectedPercent'],
      ['yes', 'pixelMonitor'],
    ];
    for (const [pixelMonitor, field] of bad) {
      const res = await stack.admin('PATCH', `/v1/apps/${f.appId}`, { pixelMonitor });
      expect({ status: res.status, field: res.body.error?.field }).toEqual({ status: 400, field });
    }
    await stack.admin('PATCH', `/v1/apps/${f.appId}`, { pixelMonitor: { webhookUrl: sinkUrl, events: ['a'] } });
    const off = await stack.admin('PATCH', `/v1/apps/${f.appId}`, { pixelMonitor: null });
    expect(off.body.pixelMonitor).toBeNull();
    expect((await monitor().check(new Date(Date.now() + 86_400_000))).filter((a) => a.appId === f.appId)).toEqual([]);
  });
});
