import { postSigned, Sink, waitFor } from './support/http';
import { click, clickIdFrom, createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('in-app events: idempotency, linking to the install, revenue, postbacks', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  const eventPostbackUrl = () =>
    `${sinkUrl}/ev?e={event_name}&r={revenue}&c={currency}&u={revenue_usd}&i={install_id}&m={match_type}&clk={click_id}&cmp={campaign_id}`;

  async function attributedInstall(f: Fixture, installId: string, gaid: string): Promise<string> {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(res.status).toBe(202);
    await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.body.status === 'attributed';
    }, 'attributed install');
    return res.body.id;
  }

  const sendEvent = (f: Fixture, body: Record<string, unknown>, query = '') =>
    postSigned(`${stack.ingestionUrl}/v1/events${query}`, f.sdkSecret, { appId: f.appId, ...body });

  async function eventRow(id: string) {
    const r = await stack.db.query(
      `SELECT status, install_ref, campaign_id, match_type, revenue::text AS revenue, currency, revenue_usd::text AS revenue_usd,
              properties, source
         FROM events WHERE id = $1`,
      [id],
    );
    return r.rows[0];
  }

  const postbacksFor = (name: string, installRef: string) =>
    sink.received.filter((r) => r.url.startsWith('/ev?') && r.url.includes(`e=${name}&`) && r.url.includes(installRef));

  it('posts an attributed purchase back once, with its revenue in the currency sent and in USD', async () => {
    const f = await createFixture(stack, { network: { eventPostbackUrl: eventPostbackUrl(), postbackEvents: ['purchase'] } });
    const gaid = '11111111-aaaa-bbbb-cccc-000000000001';
    await click(stack, f.campaignId, `click_id=net-ev-1&gaid=${gaid}`);
    await new Promise((r) => setTimeout(r, 20));
    const installRef = await attributedInstall(f, 'ev-install-1', gaid);

    const purchase = {
      eventId: 'order-1',
      installId: 'ev-install-1',
      name: 'purchase',
      occurredAt: new Date().toISOString(),
      revenue: 4.99,
      currency: 'EUR',
      properties: { sku: 'gems_100' },
    };
    const res = await sendEvent(f, purchase);
    expect(res).toEqual({ status: 202, body: { id: expect.any(String) } });
    // An event the network did not ask for is linked but owes nothing.
    const open = await sendEvent(f, { eventId: 'open-1', installId: 'ev-install-1', name: 'open', occurredAt: new Date().toISOString() });
    expect(open.status).toBe(202);

    const postback = await waitFor(async () => postbacksFor('purchase', installRef)[0], 'event postback');
    expect(Object.fromEntries(new URL(postback.url, sinkUrl).searchParams)).toEqual({
      e: 'purchase',
      r: '4.99',
      c: 'EUR',
      u: '5.3892',
      i: installRef,
      m: 'device_id',
      clk: 'net-ev-1',
      cmp: f.campaignId,
    });
    expect(await eventRow(res.body.id)).toEqual({
      status: 'linked',
      install_ref: installRef,
      campaign_id: f.campaignId,
      match_type: 'device_id',
      revenue: '4.99',
      currency: 'EUR',
      revenue_usd: '5.389200',
      properties: { sku: 'gems_100' },
      source: 'sdk',
    });
    await waitFor(async () => (await eventRow(open.body.id))?.status === 'linked', 'open event linked');

    // The client retries (keys in another order): same id, nothing stored or sent twice.
    const reordered = Object.fromEntries(Object.entries({ appId: f.appId, ...purchase }).reverse());
    const retry = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, reordered);
    expect(retry).toEqual({ status: 200, body: { id: res.body.id } });
    const delivered = await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?kind=postback&subjectId=${res.body.id}`);
      return d.body.items[0]?.status === 'delivered' ? d.body.items : undefined;
    }, 'delivered event postback');
    expect(delivered).toEqual([expect.objectContaining({ subjectType: 'event', attempts: 1 })]);
    await new Promise((r) => setTimeout(r, 300));
    expect(postbacksFor('purchase', installRef)).toHaveLength(1);
    expect(sink.received.filter((r) => r.url.includes('e=open&'))).toHaveLength(0);
    const stored = await stack.db.query(`SELECT count(*)::int AS n FROM events WHERE app_id = $1 AND event_id = 'order-1'`, [f.appId]);
    expect(stored.rows[0].n).toBe(1);
  });

  it('answers 409 when an eventId comes back with a different body', async () => {
    const f = await createFixture(stack);
    const body = { eventId: 'dup-1', installId: 'i-x', name: 'purchase', occurredAt: '2026-11-30T10:05:00Z', revenue: 1, currency: 'USD' };
    const first = await sendEvent(f, body);
    expect(first.status).toBe(202);
    expect(await sendEvent(f, body)).toEqual({ status: 200, body: { id: first.body.id } });
    const changed = await sendEvent(f, { ...body, revenue: 2 });
    expect(changed).toEqual({
      status: 409,
      body: { error: { code: 'event_conflict', message: expect.stringContaining('different body'), field: 'eventId' } },
    });
    // The same eventId in another app is another event.
    const other = await createFixture(stack);
    expect((await sendEvent(other, body)).status).toBe(202);
  });

  it('keeps an event that arrives before its install and links it once the install is attributed', async () => {
    const f = await createFixture(stack, { network: { eventPostbackUrl: eventPostbackUrl(), postbackEvents: ['purchase'] } });
    const early = await sendEvent(f, {
      eventId: 'early-1',
      installId: 'late-install',
      name: 'purchase',
      occurredAt: new Date().toISOString(),
      revenue: 10,
      currency: 'USD',
      consent: { attribution: true, retargeting: false },
    });
    expect(early.status).toBe(202);
    await waitFor(async () => (await eventRow(early.body.id))?.status === 'waiting', 'event waiting for its install');

    const gaid = '22222222-aaaa-bbbb-cccc-000000000002';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    await new Promise((r) => setTimeout(r, 20));
    const installRef = await attributedInstall(f, 'late-install', gaid);

    const linked = await waitFor(async () => {
      const e = await eventRow(early.body.id);
      return e?.status === 'linked' ? e : undefined;
    }, 'event linked after its install');
    expect(linked).toMatchObject({ install_ref: installRef, campaign_id: f.campaignId, match_type: 'device_id', revenue_usd: '10.000000' });
    const consent = await stack.db.query('SELECT consent_attribution, consent_retargeting FROM events WHERE id = $1', [early.body.id]);
    expect(consent.rows[0]).toEqual({ consent_attribution: true, consent_retargeting: false });
    await waitFor(async () => postbacksFor('purchase', installRef).length > 0, 'postback of the early event');
    await new Promise((r) => setTimeout(r, 300));
    expect(postbacksFor('purchase', installRef)).toHaveLength(1);
  });

  it('links events of an organic install without crediting a campaign or posting back', async () => {
    const f = await createFixture(stack, { network: { eventPostbackUrl: eventPostbackUrl(), postbackEvents: ['purchase'] } });
    const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'organic-ev',
      installedAt: new Date().toISOString(),
      device: { gaid: '33333333-aaaa-bbbb-cccc-000000000003' },
    });
    await waitFor(async () => (await stack.admin('GET', `/v1/installs/${install.body.id}`)).body.status === 'organic', 'organic');
    const ev = await sendEvent(f, { eventId: 'o-1', installId: 'organic-ev', name: 'purchase', occurredAt: new Date().toISOString() });
    const row = await waitFor(async () => {
      const e = await eventRow(ev.body.id);
      return e?.status === 'linked' ? e : undefined;
    }, 'linked organic event');
    expect(row).toMatchObject({ install_ref: install.body.id, campaign_id: null, match_type: null });
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.received.filter((r) => r.url.includes(install.body.id))).toHaveLength(0);
  });

  it('answers a batch with 207 and a result per item', async () => {
    const f = await createFixture(stack);
    const other = await createFixture(stack);
    const at = new Date().toISOString();
    const good = { appId: f.appId, eventId: 'b-1', installId: 'i-b', name: 'level_up', occurredAt: at };
    const events = [
      good,
      { ...good, eventId: 'b-2', name: 'bad name' },
      { ...good, eventId: 'b-3', appId: other.appId },
      { ...good, eventId: 'b-4', revenue: 3 },
      good,
      { ...good, revenue: 1, currency: 'USD' },
      'not an object',
      { eventId: 'b-5', installId: 'i-b', name: 'tutorial', occurredAt: at },
      { ...good, eventId: 'b-6\udbff' },
    ];
    const res = await postSigned(`${stack.ingestionUrl}/v1/events/batch`, f.sdkSecret, { events });
    expect(res.status).toBe(207);
    const results = res.body.results;
    expect(results).toEqual([
      { index: 0, status: expect.any(Number), id: expect.any(String) },
      { index: 1, status: 400, error: { code: 'invalid_field', message: expect.any(String), field: 'name' } },
      { index: 2, status: 400, error: { code: 'app_mismatch', message: expect.any(String), field: 'appId' } },
      { index: 3, status: 400, error: { code: 'currency_required', message: expect.any(String), field: 'currency' } },
      { index: 4, status: expect.any(Number), id: results[0].id },
      { index: 5, status: 409, error: { code: 'event_conflict', message: expect.any(String), field: 'eventId' } },
      { index: 6, status: 400, error: { code: 'invalid_body', message: expect.any(String) } },
      { index: 7, status: 202, id: expect.any(String) },
      { index: 8, status: 400, error: { code: 'invalid_field', message: expect.any(String), field: 'eventId' } },
    ]);
    // The two copies of b-1 raced in one batch: one created it, the other found it.
    expect([results[0].status, results[4].status].sort()).toEqual([200, 202]);
    const stored = await stack.db.query('SELECT event_id FROM events WHERE app_id = $1 ORDER BY event_id', [f.appId]);
    expect(stored.rows.map((r: { event_id: string }) => r.event_id)).toEqual(['b-1', 'b-5']);

    // With a top-level appId the items may leave theirs out.
    const withApp = await postSigned(`${stack.ingestionUrl}/v1/events/batch`, f.sdkSecret, {
      appId: f.appId,
      events: [{ eventId: 'b-6', installId: 'i-b', name: 'share', occurredAt: at }],
    });
    expect(withApp).toEqual({ status: 207, body: { results: [{ index: 0, status: 202, id: expect.any(String) }] } });
  });

  it('takes negative revenue on refunds only, and converts any seeded currency', async () => {
    const f = await createFixture(stack);
    const base = { installId: 'i-r', occurredAt: new Date().toISOString(), currency: 'JPY' };
    const refund = await sendEvent(f, { ...base, eventId: 'r-1', name: 'refund', revenue: -1000 });
    expect(refund.status).toBe(202);
    expect(await eventRow(refund.body.id)).toMatchObject({ revenue: '-1000', revenue_usd: '-6.700000' });
    const negative = await sendEvent(f, { ...base, eventId: 'r-2', name: 'purchase', revenue: -1000 });
    expect(negative).toEqual({
      status: 400,
      body: { error: { code: 'negative_revenue', message: expect.any(String), field: 'revenue' } },
    });
  });

  it('says what it understood when asked with debug=1', async () => {
    const f = await createFixture(stack);
    const res = await sendEvent(
      f,
      { eventId: 'dbg-1', installId: 'i-d', name: 'purchase', occurredAt: '2026-11-30T10:05:00Z', revenue: 19.99, currency: 'GBP', properties: { a: 1 } },
      '?debug=1',
    );
    expect(res.status).toBe(202);
    expect(res.body.debug).toEqual({
      duplicate: false,
      understood: expect.objectContaining({
        name: 'purchase',
        occurredAt: '2026-11-30T10:05:00.000Z',
        revenue: '19.99',
        currency: 'GBP',
        usdPerUnit: '1.270000000000',
        revenueUsd: '25.3873',
        propertyKeys: ['a'],
      }),
    });
  });
});
