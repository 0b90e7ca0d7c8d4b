import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { createWorker } from '../apps/attribution-worker/src/worker.app';
import { postSigned, Sink, waitFor, type Received } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Webhooks go through the worker's evaluation and delivery loops: generous on a loaded 2-core machine. */
const eventually = <T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000) => waitFor(probe, what, timeoutMs);

interface Member {
  device: Record<string, string>;
  customerUserId?: string;
}
interface WebhookCall {
  audienceId: string;
  appId: string;
  entered: Member[];
  exited: Member[];
  sentAt: string;
  id: string;
}

/** Retargeting audiences through the real stack: membership follows the data, webhooks verified as a partner would. */
describe('audiences', () => {
  let stack: Stack;
  let sink: Sink;
  let sinkUrl: string;
  let f: Fixture;
  const secrets = new Map<string, string[]>();
  /** Each audience posts to a path of its own, so a test reads only its audience's webhooks. */
  const paths = new Map<string, string>();

  beforeAll(async () => {
    stack = await startStack({ AUDIENCE_EVERY_MS: '50', RECONCILE_EVERY_MS: '1000', RECONCILE_AFTER_MS: '1000' });
    sink = new Sink();
    sinkUrl = await sink.start();
  }, 60_000);
  // An app of its own per test: a new audience fills from the app's whole history.
  beforeEach(async () => {
    f = await createFixture(stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await sink?.stop();
  }, 60_000);

  /** Every webhook the sink got for this audience, each verified with the standardwebhooks library. */
  function calls(audienceId: string): WebhookCall[] {
    return sink.received
      .filter((r) => r.url === paths.get(audienceId) && r.statusAnswered === 200)
      .map((r) => ({ ...verify(audienceId, r), id: String(r.headers['webhook-id']) }));
  }
  function verify(audienceId: string, r: Received): Omit<WebhookCall, 'id'> {
    const [secret] = secrets.get(audienceId)!;
    return new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Omit<WebhookCall, 'id'>;
  }
  const entered = (audienceId: string) => calls(audienceId).flatMap((c) => c.entered);
  const exited = (audienceId: string) => calls(audienceId).flatMap((c) => c.exited);

  async function audience(rule: unknown, appId = f.appId) {
    const path = `/audience-${randomUUID()}`;
    const res = await stack.admin('POST', '/v1/audiences', { appId, name: 'Buyers', rule, webhookUrl: `${sinkUrl}${path}` });
    if (res.status !== 201) throw new Error(`create audience: ${res.status} ${JSON.stringify(res.body)}`);
    paths.set(res.body.id, path);
    secrets.set(res.body.id, [res.body.webhookSecret]);
    return res.body as { id: string; webhookSecret: string };
  }

  async function install(extra: Record<string, unknown> = {}, app = f) {
    const body = { appId: app.appId, installId: `i-${Math.random()}`, installedAt: new Date().toISOString(), ...extra };
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, app.sdkSecret, body);
    expect(res.status).toBe(202);
    return body;
  }
  async function event(installId: string, name: string, extra: Record<string, unknown> = {}, app = f) {
    const body = { appId: app.appId, eventId: `e-${Math.random()}`, installId, name, occurredAt: new Date().toISOString(), ...extra };
    const res = await postSigned(`${stack.ingestionUrl}/v1/events`, app.sdkSecret, body);
    expect(res.status).toBe(202);
    return body;
  }

  it('fills a new audience from history (a back-fill with progress), and lists its members', async () => {
    const buyers = await Promise.all([1, 2, 3].map((n) => install({ customerUserId: `hist-${n}`, device: { gaid: `0000000${n}-0000-4000-8000-000000000000` } })));
    for (const b of buyers) await event(b.installId, 'purchase', { revenue: 5, currency: 'USD' });
    await install({ customerUserId: 'hist-browser' });
    const a = await audience({ event: 'purchase', withinDays: 30 });
    const got = await eventually(async () => (entered(a.id).length >= 3 ? entered(a.id) : undefined), 'back-fill webhooks');
    expect(got.map((m) => m.customerUserId).sort()).toEqual(['hist-1', 'hist-2', 'hist-3']);
    expect(got.find((m) => m.customerUserId === 'hist-1')!.device).toEqual({ gaid: '00000001-0000-4000-8000-000000000000' });
    const view = await eventually(async () => {
      const r = await stack.admin('GET', `/v1/audiences/${a.id}`);
      return r.body.backfill.status === 'done' ? r.body : undefined;
    }, 'back-fill done');
    expect(view).toMatchObject({ size: 3, backfill: { status: 'done', queued: 4, done: 4 } });
    expect(view.webhookSecret).toBeUndefined();

    const page1 = await stack.admin('GET', `/v1/audiences/${a.id}/members?limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await stack.admin('GET', `/v1/audiences/${a.id}/members?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ customerUserId: expect.any(String), enteredAt: expect.any(String) })], nextCursor: null });
    const ids = [...page1.body.items, ...page2.body.items].map((m: Member) => m.customerUserId).sort();
    expect(ids).toEqual(['hist-1', 'hist-2', 'hist-3']);
    const bad = await stack.admin('GET', `/v1/audiences/${a.id}/members?cursor=not-ours`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('cursor');
  }, 60_000);

  it('enters on a purchase and exits when a `not` condition becomes true (a refund), in that order', async () => {
    const a = await audience({ all: [{ event: 'purchase', withinDays: 30 }, { not: { event: 'refund', withinDays: 30 } }] });
    const i = await install({ device: { idfa: 'aaaaaaaa-1111-4000-8000-000000000001' } });
    await event(i.installId, 'purchase');
    await eventually(async () => entered(a.id).length === 1, 'the entry');
    await event(i.installId, 'refund');
    await eventually(async () => exited(a.id).length === 1, 'the exit');
    const seq = calls(a.id);
    expect(seq.map((c) => [c.entered.length, c.exited.length])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(seq[1].exited[0]).toEqual({ device: { idfa: 'aaaaaaaa-1111-4000-8000-000000000001' } });
    expect((await stack.admin('GET', `/v1/audiences/${a.id}`)).body.size).toBe(0);
    // Each webhook is one delivery of kind webhook, delivered.
    const log = await stack.admin('GET', `/v1/deliveries?kind=webhook&appId=${f.appId}`);
    const ours = log.body.items;
    expect(ours.map((d: { id: string }) => d.id)).toEqual(seq.map((c) => c.id));
    expect(ours.map((d: { status: string; kind: string }) => [d.kind, d.status])).toEqual([
      ['webhook', 'delivered'],
      ['webhook', 'delivered'],
    ]);
  }, 60_000);

  it('exits by itself when the window passes (the scheduler wakes the member; no new data)', async () => {
    const a = await audience({ event: 'purchase', withinDays: 1 });
    const i = await install({ customerUserId: 'ageing' });
    // A purchase that leaves its one-day window 3 seconds from now.
    await event(i.installId, 'purchase', { occurredAt: new Date(Date.now() - 86_400_000 + 3000).toISOString() });
    await eventually(async () => entered(a.id).length === 1, 'the entry');
    const left = await eventually(async () => (exited(a.id).length === 1 ? exited(a.id) : undefined), 'the timed exit');
    expect(left).toEqual([{ device: {}, customerUserId: 'ageing' }]);
    const wakeups = await stack.db.query(`SELECT count(*)::int AS n FROM audience_wakeups WHERE app_id = $1`, [f.appId]);
    expect(wakeups.rows[0].n).toBe(0);
  }, 60_000);

  it('never enters a member without retargeting consent, and a member who withdraws it exits', async () => {
    const a = await audience({ event: 'purchase' });
    const refused = await install({ customerUserId: 'no-consent', consent: { retargeting: false } });
    await event(refused.installId, 'purchase');
    const willWithdraw = await install({ customerUserId: 'withdraws' });
    await event(willWithdraw.installId, 'purchase');
    await eventually(async () => entered(a.id).length === 1, 'the consenting member');
    expect(entered(a.id)).toEqual([{ device: {}, customerUserId: 'withdraws' }]);
    await event(willWithdraw.installId, 'app_open', { consent: { retargeting: false } });
    await eventually(async () => exited(a.id).length === 1, 'the exit on withdrawal');
    expect(exited(a.id)).toEqual([{ device: {}, customerUserId: 'withdraws' }]);
    expect(entered(a.id).map((m) => m.customerUserId)).not.toContain('no-consent');
  }, 60_000);

  it('a pixel event enters the app user with the same customerUserId (web and app meet)', async () => {
    const a = await audience({ all: [{ event: 'checkout' }, { installedWithinDays: 7 }] });
    await install({ customerUserId: 'web-7', device: { gaid: '77777777-0000-4000-8000-000000000000' } });
    const pixel = await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=checkout&uid=web-7`);
    expect(pixel.status).toBe(200);
    await eventually(async () => entered(a.id).length === 1, 'the entry from the pixel');
    expect(entered(a.id)).toEqual([{ device: { gaid: '77777777-0000-4000-8000-000000000000' }, customerUserId: 'web-7' }]);
  }, 60_000);

  it('an erased person exits with a webhook, and erasure counts the membership', async () => {
    const a = await audience({ event: 'purchase' });
    const i = await install({ customerUserId: 'erase-me', device: { gaid: '99999999-0000-4000-8000-000000000000' } });
    await event(i.installId, 'purchase');
    await eventually(async () => entered(a.id).length === 1, 'the entry');
    const erased = await stack.admin('POST', '/v1/privacy/erasure', { appId: f.appId, customerUserId: 'erase-me' });
    expect(erased.status).toBe(200);
    expect(erased.body.erased.members).toBeGreaterThanOrEqual(1);
    await eventually(async () => exited(a.id).length === 1, 'the exit on erasure');
    expect(exited(a.id)).toEqual([{ device: { gaid: '99999999-0000-4000-8000-000000000000' }, customerUserId: 'erase-me' }]);
    expect((await stack.admin('GET', `/v1/audiences/${a.id}/members`)).body.items).toEqual([]);
  }, 60_000);

  it('retries a failing partner with the same webhook-id, and holds the next webhook until the first is delivered', async () => {
    const a = await audience({ all: [{ event: 'purchase' }, { not: { event: 'refund' } }] });
    const failedBefore = sink.received.length;
    sink.statusesFor.set(paths.get(a.id)!, [500]);
    const i = await install({ customerUserId: 'flaky' });
    await event(i.installId, 'purchase');
    await eventually(async () => entered(a.id).length === 1, 'the entry after a retry');
    await event(i.installId, 'refund');
    await eventually(async () => exited(a.id).length === 1, 'the exit');
    const ours = sink.received.slice(failedBefore).filter((r) => r.url === paths.get(a.id));
    expect(ours.map((r) => r.statusAnswered)).toEqual([500, 200, 200]);
    expect(ours[0].headers['webhook-id']).toBe(ours[1].headers['webhook-id']);
    expect(ours[2].headers['webhook-id']).not.toBe(ours[1].headers['webhook-id']);
    // The failed attempt verifies too: it was the same signed message.
    expect(verify(a.id, ours[0]).entered).toEqual([{ device: {}, customerUserId: 'flaky' }]);
  }, 60_000);

  it('a new webhookUrl takes the calls not delivered yet', async () => {
    const a = await audience({ event: 'purchase' });
    const oldPath = paths.get(a.id)!;
    sink.statusesFor.set(oldPath, [500, 500, 500, 500, 500, 500]);
    const i = await install({ customerUserId: 'moved-endpoint' });
    await event(i.installId, 'purchase');
    await eventually(async () => sink.received.some((r) => r.url === oldPath), 'a failed call to the old endpoint');
    const newPath = `/audience-${randomUUID()}`;
    expect((await stack.admin('PATCH', `/v1/audiences/${a.id}`, { webhookUrl: `${sinkUrl}${newPath}` })).status).toBe(200);
    paths.set(a.id, newPath);
    await eventually(async () => entered(a.id).length === 1, 'the call at the new endpoint');
    expect(entered(a.id)).toEqual([{ device: {}, customerUserId: 'moved-endpoint' }]);
  }, 60_000);

  it('rotate-secret: for 24 h each webhook is signed by both secrets', async () => {
    const a = await audience({ event: 'purchase' });
    const rotated = await stack.admin('POST', `/v1/audiences/${a.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(rotated.body.webhookSecret).not.toBe(a.webhookSecret);
    expect(new Date(rotated.body.previousSecretValidUntil).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const i = await install({ customerUserId: 'rotated' });
    await event(i.installId, 'purchase');
    const call = await eventually(async () => sink.received.find((r) => r.url === paths.get(a.id)), 'the webhook');
    for (const secret of [a.webhookSecret, rotated.body.webhookSecret]) {
      expect(new Webhook(secret).verify(call.body, call.headers as Record<string, string>)).toMatchObject({ audienceId: a.id });
    }
    expect(String(call.headers['x-lookback-signature']).match(/v1=/g)).toHaveLength(2);
    expect(() => new Webhook(`whsec_${Buffer.from('someone else').toString('base64')}`).verify(call.body, call.headers as Record<string, string>)).toThrow();
  }, 60_000);

  it('with two workers, each change is sent exactly once', async () => {
    const second = await createWorker(stack.config);
    try {
      const a = await audience({ event: 'purchase' });
      const people = await Promise.all(Array.from({ length: 60 }, (_, n) => install({ customerUserId: `pair-${n}` })));
      await Promise.all(people.map((p) => event(p.installId, 'purchase')));
      await Promise.all(people.map((p) => event(p.installId, 'purchase')));
      await eventually(async () => entered(a.id).length >= 60, 'sixty entries');
      // Give any duplicate time to show up.
      await new Promise((r) => setTimeout(r, 1000));
      const ids = entered(a.id).map((m) => m.customerUserId);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect((await stack.admin('GET', `/v1/audiences/${a.id}`)).body.size).toBe(60);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('preview answers the size and a sample now, storing nothing', async () => {
    const app = f;
    for (const n of [1, 2]) {
      const i = await install({ customerUserId: `pv-${n}` }, app);
      await event(i.installId, 'level_up', {}, app);
    }
    await install({ customerUserId: 'pv-none' }, app);
    const res = await stack.admin('POST', '/v1/audiences/preview', { appId: app.appId, rule: { event: 'level_up' } });
    expect(res.status).toBe(200);
    expect(res.body.size).toBe(2);
    expect(res.body.sample.map((m: Member) => m.customerUserId).sort()).toEqual(['pv-1', 'pv-2']);
    const none = await stack.admin('POST', '/v1/audiences/preview', { appId: app.appId, rule: { not: { event: 'level_up' } } });
    expect(none.body).toEqual({ size: 1, sample: [{ device: {}, customerUserId: 'pv-none' }] });
    const stored = await stack.db.query(`SELECT count(*)::int AS n FROM audiences WHERE app_id = $1`, [app.appId]);
    expect(stored.rows[0].n).toBe(0);
  }, 60_000);

  it('a bad rule is a 400 naming the bad part', async () => {
    const cases: [unknown, string][] = [
      [{ all: [{ event: 'purchase' }, { not: { event: 'refund', withinDays: 0 } }] }, 'rule.all[1].not.withinDays'],
      [{ event: 'bad name' }, 'rule.event'],
      [{ any: [] }, 'rule.any'],
      [{ event: 'purchase', count: { gte: 3, lte: 1 } }, 'rule.count.gte'],
      [{ campaignId: 'nope' }, 'rule.campaignId'],
      [{ installedWithinDays: 1, event: 'x' }, 'rule'],
      [{ not: { not: { not: { not: { not: { event: 'deep' } } } } } }, 'rule.not.not.not.not.not'],
    ];
    for (const [rule, field] of cases) {
      const res = await stack.admin('POST', '/v1/audiences', { appId: f.appId, name: 'x', rule, webhookUrl: sinkUrl });
      expect({ status: res.status, field: res.body.error.field }).toEqual({ status: 400, field });
      const preview = await stack.admin('POST', '/v1/audiences/preview', { appId: f.appId, rule });
      expect({ status: preview.status, field: preview.body.error.field }).toEqual({ status: 400, field });
    }
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (rule) => {
        const res = await stack.admin('POST', '/v1/audiences/preview', { appId: f.appId, rule });
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(res.body.error).toEqual({ code: expect.any(String), message: expect.any(String), field: expect.stringMatching(/^rule/) });
      }),
      { numRuns: 40 },
    );
    const noUrl = await stack.admin('POST', '/v1/audiences', { appId: f.appId, name: 'x', rule: { event: 'a' }, webhookUrl: 'ftp://x' });
    expect([noUrl.status, noUrl.body.error.field]).toEqual([400, 'webhookUrl']);
  }, 60_000);

  it('another app\'s audience is 404 to a key limited to its own app; DELETE removes it', async () => {
    const a = await audience({ event: 'purchase' });
    const other = await createFixture(stack);
    const key = await stack.admin('POST', '/v1/api-keys', { name: 'other', scopes: ['read', 'write'], appIds: [other.appId] });
    expect(key.status).toBe(201);
    for (const [method, path] of [
      ['GET', `/v1/audiences/${a.id}`],
      ['GET', `/v1/audiences/${a.id}/members`],
      ['POST', `/v1/audiences/${a.id}/rotate-secret`],
      ['DELETE', `/v1/audiences/${a.id}`],
    ]) {
      expect((await stack.admin(method, path, undefined, key.body.key)).status).toBe(404);
    }
    const listed = await stack.admin('GET', '/v1/audiences', undefined, key.body.key);
    expect(listed.body.items).toEqual([]);
    expect((await stack.admin('DELETE', `/v1/audiences/${a.id}`)).status).toBe(204);
    expect((await stack.admin('GET', `/v1/audiences/${a.id}`)).status).toBe(404);
    expect((await stack.admin('GET', `/v1/audiences/not-a-uuid`)).status).toBe(400);
  }, 60_000);
});
