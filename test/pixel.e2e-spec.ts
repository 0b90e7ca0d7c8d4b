import { waitFor } from './support/http';
import { click, clickIdFrom, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

const GIF = Buffer.from('47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b', 'hex');

describe('the tracking pixel and its admin pages', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ CACHE_TTL_MS: '0' });
  });
  afterAll(() => stack?.close());

  async function hit(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${stack.ingestionUrl}${path}`, { headers });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  function expectGif({ res, bytes }: Awaited<ReturnType<typeof hit>>) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(bytes.equals(GIF)).toBe(true);
    expect(bytes.length).toBe(43);
  }

  it('always answers the 43-byte GIF, stores good hits, and counts bad and disallowed ones by reason', async () => {
    const f = await createFixture(stack, { app: { platform: 'web', pixelEvents: ['purchase', 'signup'] } });
    const c = await click(stack, f.campaignId, 'click_id=web-1');
    const lcid = clickIdFrom(c.location!);

    const good = await hit(`/p/${f.appId}.gif?e=purchase&uid=user-9&v=19.90&cur=EUR&eid=order-77&lcid=${lcid}`, {
      referer: 'https://shop.example/thanks?order=77',
    });
    expectGif(good);
    expectGif(await hit(`/p/${f.appId}.gif?e=purchase&uid=user-9&v=19.90&cur=EUR&eid=order-77`)); // a reload: same eid
    expectGif(await hit(`/p/${f.appId}.gif?e=newsletter`)); // not in pixelEvents
    expectGif(await hit(`/p/${f.appId}.gif?e=signup&v=5`)); // revenue without currency
    expectGif(await hit(`/p/${f.appId}.gif?e=signup&v=5&cur=XXX`));
    expectGif(await hit(`/p/${f.appId}.gif?e=bad%20name`));
    expectGif(await hit(`/p/${f.appId}.gif`));
    expectGif(await hit(`/p/${f.appId}.gif?e=signup&lcid=nope`));
    expectGif(await hit(`/p/00000000-0000-7000-8000-000000000000.gif?e=purchase`)); // unknown app
    expectGif(await hit(`/p/not-an-app.gif?e=purchase`));
    expectGif(await hit(`/p/${f.appId}.gif?e=signup&uid=u%00x`));

    const stored = await stack.db.query(
      `SELECT name, source, user_id, revenue::text AS revenue, currency, revenue_usd::text AS revenue_usd, page_url, click_id, event_id
         FROM events WHERE app_id = $1 ORDER BY name`,
      [f.appId],
    );
    expect(stored.rows).toEqual([
      {
        name: 'purchase',
        source: 'pixel',
        user_id: 'user-9',
        revenue: '19.90',
        currency: 'EUR',
        revenue_usd: '21.492000',
        page_url: 'https://shop.example/thanks?order=77',
        click_id: lcid,
        event_id: 'order-77',
      },
      expect.objectContaining({ name: 'signup', user_id: 'ux' }),
    ]);
    // The click in lcid credits its campaign (web-to-app and web campaigns).
    await waitFor(async () => {
      const r = await stack.db.query(`SELECT status, campaign_id, match_type FROM events WHERE app_id = $1 AND name = 'purchase'`, [f.appId]);
      return r.rows[0]?.status === 'unlinked' && r.rows[0].campaign_id === f.campaignId && r.rows[0].match_type === 'click_id';
    }, 'pixel event credited to the click');

    const health = await waitFor(async () => {
      const h = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
      const total = h.body.events.reduce((n: number, e: { accepted: { lastDay: number }; rejected: { lastDay: number } }) => n + e.accepted.lastDay + e.rejected.lastDay, 0);
      return total === 9 ? h.body : undefined;
    }, 'pixel hit counts');
    const byName = Object.fromEntries(health.events.map((e: { name: string }) => [e.name, e]));
    expect(byName.purchase).toMatchObject({
      lastFiredAt: expect.any(String),
      accepted: { lastHour: 1, lastDay: 1 },
      rejected: { lastHour: 1, lastDay: 1, reasons: { duplicate: expect.objectContaining({ lastHour: 1 }) } },
    });
    expect(byName.newsletter).toMatchObject({ lastFiredAt: null, rejected: { reasons: { event_not_allowed: expect.objectContaining({ lastDay: 1 }) } } });
    expect(Object.keys(byName.signup.rejected.reasons).sort()).toEqual(['currency_required', 'invalid_click_id', 'unknown_currency']);
    expect(byName.signup.accepted.lastDay).toBe(1);
    expect(byName['(invalid)'].rejected.reasons).toHaveProperty('invalid_event');
    expect(byName['(none)'].rejected.reasons).toHaveProperty('missing_event');
  });

  it('says what it understood in X-Lookback-Debug when asked', async () => {
    const f = await createFixture(stack, { app: { platform: 'web' } });
    const ok = await hit(`/p/${f.appId}.gif?e=lead&v=10&cur=USD&url=https%3A%2F%2Fsite.example%2Fform&debug=1`);
    expectGif(ok);
    expect(JSON.parse(ok.res.headers.get('x-lookback-debug')!)).toMatchObject({
      outcome: 'accepted',
      id: expect.any(String),
      event: { name: 'lead', revenue: '10', currency: 'USD', revenueUsd: '10', pageUrl: 'https://site.example/form' },
    });
    const bad = await hit(`/p/${f.appId}.gif?e=lead&v=-3&cur=USD&debug=1`);
    expectGif(bad);
    expect(JSON.parse(bad.res.headers.get('x-lookback-debug')!)).toMatchObject({ outcome: 'rejected', reason: 'negative_revenue' });
    expect((await hit(`/p/${f.appId}.gif?e=lead`)).res.headers.get('x-lookback-debug')).toBeNull();
  });

  it('keeps no device data for a visitor who refused attribution', async () => {
    const f = await createFixture(stack, { app: { platform: 'web' } });
    await hit(`/p/${f.appId}.gif?e=view&ca=0`, { 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8)' });
    const r = await stack.db.query('SELECT ip, ua_key, consent_attribution FROM events WHERE app_id = $1', [f.appId]);
    expect(r.rows).toEqual([{ ip: null, ua_key: null, consent_attribution: false }]);
  });

  it('hands out the <img> snippet on the public tracking URL', async () => {
    const f = await createFixture(stack, { app: { platform: 'web', pixelEvents: ['purchase'] } });
    const r = await stack.admin('GET', `/v1/apps/${f.appId}/pixel`);
    expect(r.status).toBe(200);
    expect(r.body.snippet).toBe(
      `<img src="http://localhost:3000/p/${f.appId}.gif?e=EVENT_NAME&uid=USER_ID" width="1" height="1" alt="" style="display:none" referrerpolicy="no-referrer-when-downgrade">`,
    );
    expect(r.body.snippet).not.toMatch(/<script/i);
    expect(r.body.acceptedEvents).toEqual(['purchase']);
    expect((await stack.admin('GET', `/v1/apps/00000000-0000-7000-8000-000000000000/pixel`)).status).toBe(404);
    expect((await stack.admin('GET', `/v1/apps/nope/pixel/health`)).status).toBe(400);
  });

  it('hands out snippets filled for the app, and refuses every placeholder left in them unedited', async () => {
    const f = await createFixture(stack, { app: { platform: 'web', pixelEvents: ['view_item', 'purchase'] } });
    const r = await stack.admin('GET', `/v1/apps/${f.appId}/pixel`);
    expect(r.status).toBe(200);
    const s = r.body;
    expect(s.tag).toContain(`<script async src="http://localhost:3000/t.js" data-app="${f.appId}" data-page-views="false"></script>`);
    expect(s.events.map((e: { name: string }) => e.name)).toEqual(['view_item', 'purchase']);
    const purchase = s.events[1];
    expect(purchase.img).toBe(
      `<img src="http://localhost:3000/p/${f.appId}.gif?e=purchase&v=REVENUE&cur=CURRENCY&eid=ORDER_ID&uid=USER_ID" width="1" height="1" alt="" style="display:none" referrerpolicy="no-referrer-when-downgrade">`,
    );
    expect(purchase.tag).toBe(`lookback('event', 'purchase', { revenue: 'REVENUE', currency: 'CURRENCY', eventId: 'ORDER_ID' });`);
    expect(s.placeholders).toEqual(expect.arrayContaining(['EVENT_NAME', 'USER_ID', 'REVENUE', 'CURRENCY', 'ORDER_ID']));

    // Pasted unedited: the generic snippet, every event snippet, and what a tag manager leaves unexpanded.
    const srcOf = (html: string) => new URL(/src="([^"]+)"/.exec(html)![1].replace('http://localhost:3000', stack.ingestionUrl));
    const pasted = [srcOf(s.snippet), ...s.events.map((e: { img: string }) => srcOf(e.img))];
    for (const url of pasted) {
      url.searchParams.set('debug', '1');
      const res = await hit(`${url.pathname}${url.search}`);
      expectGif(res);
      expect(JSON.parse(res.res.headers.get('x-lookback-debug')!)).toMatchObject({ outcome: 'rejected', reason: 'placeholder' });
    }
    expectGif(await hit(`/p/${f.appId}.gif?e=purchase&v=%7B%7Border.total%7D%7D&cur=EUR`));
    expectGif(await hit(`/p/${f.appId}.gif?e=view_item&uid=%24%7BuserId%7D`));
    // A real hit beside them is stored: the refusal is about the placeholder, not the app.
    expectGif(await hit(`/p/${f.appId}.gif?e=purchase&v=9.5&cur=EUR&eid=o-1&uid=u-1`));

    const stored = await stack.db.query('SELECT name, user_id FROM events WHERE app_id = $1', [f.appId]);
    expect(stored.rows).toEqual([{ name: 'purchase', user_id: 'u-1' }]);
    const health = await waitFor(async () => {
      const h = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
      const n = h.body.events.reduce((t: number, e: { rejected: { lastDay: number } }) => t + e.rejected.lastDay, 0);
      return n === 5 ? h.body : undefined;
    }, 'placeholder hits counted');
    const byName = Object.fromEntries(health.events.map((e: { name: string }) => [e.name, e]));
    expect(byName['(placeholder)'].rejected.reasons.placeholder.lastDay).toBe(1); // e=EVENT_NAME
    expect(byName.purchase.rejected.reasons).toEqual({ placeholder: expect.objectContaining({ lastDay: 2 }) });
    expect(byName.view_item.rejected.reasons).toEqual({ placeholder: expect.objectContaining({ lastDay: 2 }) });
    expect(byName.purchase.accepted.lastDay).toBe(1);
  });

  it('checks test hits and shows them in debug and health, never storing or reporting them', async () => {
    const f = await createFixture(stack, { app: { platform: 'web', pixelEvents: ['purchase'] } });
    const c = await click(stack, f.campaignId, 'click_id=t-1');
    const lcid = clickIdFrom(c.location!);
    const ok = await hit(`/p/${f.appId}.gif?e=purchase&v=12&cur=EUR&eid=o-1&lcid=${lcid}&test=1&debug=1`);
    expectGif(ok);
    expect(JSON.parse(ok.res.headers.get('x-lookback-debug')!)).toMatchObject({
      outcome: 'test',
      test: true,
      event: { name: 'purchase', revenue: '12', currency: 'EUR', revenueUsd: '12.96', clickId: lcid },
    });
    const bad = await hit(`/p/${f.appId}.gif?e=purchase&v=12&test=1&debug=1`);
    expect(JSON.parse(bad.res.headers.get('x-lookback-debug')!)).toMatchObject({ outcome: 'rejected', reason: 'currency_required', test: true });
    expectGif(await hit(`/p/${f.appId}.gif?e=signup&test=1`));
    // The same eid for real afterwards is a first hit, not a duplicate of the test.
    expectGif(await hit(`/p/${f.appId}.gif?e=purchase&v=12&cur=EUR&eid=o-1`));

    const health = await waitFor(async () => {
      const h = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
      const p = h.body.events.find((e: { name: string }) => e.name === 'purchase');
      return p && p.test.lastDay === 2 && p.accepted.lastDay === 1 && h.body.events.length === 2 ? h.body : undefined;
    }, 'test hits counted');
    const byName = Object.fromEntries(health.events.map((e: { name: string }) => [e.name, e]));
    expect(byName.purchase.test).toMatchObject({ lastHour: 2, lastDay: 2, accepted: 1, lastAt: expect.any(String), reasons: { currency_required: expect.objectContaining({ lastDay: 1 }) } });
    expect(byName.purchase.rejected.lastDay).toBe(0);
    expect(byName.signup.test.reasons).toHaveProperty('event_not_allowed');
    expect(byName.signup.rejected.lastDay).toBe(0);

    const stored = await stack.db.query('SELECT event_id, revenue::text AS revenue FROM events WHERE app_id = $1', [f.appId]);
    expect(stored.rows).toEqual([{ event_id: 'o-1', revenue: '12' }]);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/reports/campaigns?appId=${f.appId}&from=${from}&to=${to}&groupBy=total`);
      const events = r.body.rows.reduce((n: number, row: { events: number }) => n + row.events, 0);
      return events >= 1 ? r.body : undefined;
    }, 'the real hit in the report');
    expect(report.rows.reduce((n: number, row: { events: number }) => n + row.events, 0)).toBe(1);
  });

  it('lists and upserts USD rates, refusing bad ones with the field named', async () => {
    const list = await stack.admin('GET', '/v1/fx-rates');
    expect(list.body.rates).toMatchObject({ USD: '1', EUR: '1.08', GBP: '1.27', JPY: '0.0067' });

    const put = await stack.admin('PUT', '/v1/fx-rates', { rates: { EUR: 1.1, ISK: 0.0072 } });
    expect(put.status).toBe(200);
    expect(put.body.rates).toMatchObject({ EUR: '1.1', ISK: '0.0072', USD: '1' });

    for (const [rates, code, field] of [
      [{ XYZ: 1 }, 'unknown_currency', 'rates.XYZ'],
      [{ EUR: -1 }, 'invalid_rate', 'rates.EUR'],
      [{ EUR: '1.1' }, 'invalid_rate', 'rates.EUR'],
      [{ USD: 2 }, 'invalid_rate', 'rates.USD'],
      [{}, 'invalid_field', 'rates'],
    ] as const) {
      const r = await stack.admin('PUT', '/v1/fx-rates', { rates });
      expect(r).toEqual({ status: 400, body: { error: { code, message: expect.any(String), field } } });
    }
    expect((await stack.admin('PUT', '/v1/fx-rates', { rates: [] })).status).toBe(400);

    // A new rate applies to the next event (the ingestion cache is off in this suite).
    const f = await createFixture(stack, { app: { platform: 'web' } });
    await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=buy&v=100&cur=ISK`);
    const r = await stack.db.query('SELECT revenue_usd::text AS usd FROM events WHERE app_id = $1', [f.appId]);
    expect(r.rows).toEqual([{ usd: '0.720000' }]);
  });
});
