import type { Browser, Page } from 'playwright-core';
import { waitFor } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { RECORD_ERRORS, Site, launchChromium, watchErrors } from './support/browser';
import { startStack, type Stack } from './support/stack';

interface Row {
  name: string;
  user_id: string | null;
  revenue: string | null;
  currency: string | null;
  event_id: string | null;
  page_url: string | null;
  referrer: string | null;
  click_id: string | null;
  consent_attribution: boolean | null;
  ip: string | null;
  campaign_id: string | null;
  status: string;
}

/** The web tag in a real headless Chromium, on pages of a stand-in site, sending to the real ingestion. */
describe('the web tag in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  const site = new Site();

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ CACHE_TTL_MS: '0' }), launchChromium(), site.start()]).then(
      ([s, b]) => [s, b] as const,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await site.stop();
    await stack?.close();
  });

  /** The contract's snippet: the tag first, then the stub and the page's calls (which run before the tag loads). */
  function page(appId: string, calls = '', opts: { attrs?: string; head?: string; body?: string } = {}): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title>${RECORD_ERRORS}${opts.head ?? ''}
<script async src="${stack.ingestionUrl}/t.js" data-app="${appId}"${opts.attrs ?? ''}></script>
<script>window.lookback=window.lookback||function(){(lookback.q=lookback.q||[]).push(arguments)};
${calls}</script></head><body>${opts.body ?? ''}</body></html>`;
  }

  async function open(): Promise<{ p: Page; errors: string[] }> {
    const context = await browser.newContext();
    const p = await context.newPage();
    return { p, errors: watchErrors(p) };
  }

  async function expectNoErrors(p: Page, errors: string[]) {
    expect(errors).toEqual([]);
    expect(await p.evaluate('window.__errors')).toEqual([]);
  }

  async function tagLoaded(p: Page) {
    await p.waitForFunction('window.lookback && window.lookback.loaded === true');
  }

  async function rows(appId: string, count: number, what: string): Promise<Row[]> {
    return waitFor(async () => {
      const r = await stack.db.query<Row>(
        `SELECT name, user_id, revenue::text AS revenue, currency, event_id, page_url, referrer, click_id::text AS click_id,
                consent_attribution, host(ip) AS ip, campaign_id::text AS campaign_id, status
           FROM events WHERE app_id = $1 ORDER BY name, id`,
        [appId],
      );
      return r.rows.length >= count ? r.rows : undefined;
    }, what);
  }

  let f: Fixture;
  beforeEach(async () => {
    site.pages.clear();
    f = await createFixture(stack, {
      app: { platform: 'web' },
      campaign: { destinationUrl: `${site.url}/landing?utm_source=adnet&lookback_click_id={lookback_click_id}` },
    });
  });

  it('serves GET /t.js small, cacheable, with an ETag that answers 304', async () => {
    const res = await fetch(`${stack.ingestionUrl}/t.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await res.text();
    expect(body.length).toBeGreaterThan(500);
    expect(body.length).toBeLessThan(8192); // "a few KB"
    expect(body).not.toMatch(/\brequire\(|\bimport\b/); // no runtime dependencies

    const again = await fetch(`${stack.ingestionUrl}/t.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetch(`${stack.ingestionUrl}/t.js`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);

    const gz = await fetch(`${stack.ingestionUrl}/t.js`); // undici asks for gzip and inflates it
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(body);
  });

  it('records page_view on load, identify, a purchase with revenue, and page views on SPA route changes', async () => {
    site.pages.set(
      '/home',
      page(
        f.appId,
        `lookback('consent', { attribution: true, retargeting: true });
         lookback('identify', 'user-42');
         lookback('event', 'purchase', { revenue: 4.99, currency: 'EUR', eventId: 'order-1' });`,
      ),
    );
    const { p, errors } = await open();
    await p.goto(`${site.url}/home`);
    await tagLoaded(p);
    const first = await rows(f.appId, 2, 'page_view and purchase');
    expect(first).toEqual([
      expect.objectContaining({ name: 'page_view', user_id: 'user-42', page_url: `${site.url}/home`, consent_attribution: true }),
      expect.objectContaining({ name: 'purchase', user_id: 'user-42', revenue: '4.99', currency: 'EUR', event_id: 'order-1' }),
    ]);

    // A single-page app changes route without loading a page: pushState, then the back button (popstate).
    await p.evaluate(`history.pushState({}, '', '/home/cart?step=2')`);
    await rows(f.appId, 3, 'page_view after pushState');
    await p.evaluate('history.back()');
    const all = await rows(f.appId, 4, 'page_view after popstate');
    expect(all.slice(1, 3)).toEqual([
      expect.objectContaining({ name: 'page_view', page_url: `${site.url}/home/cart?step=2`, referrer: `${site.url}/home`, user_id: 'user-42' }),
      expect.objectContaining({ name: 'page_view', page_url: `${site.url}/home`, referrer: `${site.url}/home/cart?step=2` }),
    ]);
    // Calls after the tag loaded go straight out.
    await p.evaluate(`lookback('identify', 'user-43'); lookback('event', 'signup')`);
    const later = await rows(f.appId, 5, 'signup');
    expect(later[4]).toMatchObject({ name: 'signup', user_id: 'user-43' });
    await expectNoErrors(p, errors);
    await p.context().close();
  });

  it('carries lookback_click_id from the landing page to a purchase on another page, credited to the campaign in the report', async () => {
    site.pages.set('/landing', page(f.appId, '', { body: '<a id="go" href="/product">product</a>' }));
    site.pages.set(
      '/product',
      page(f.appId, '', {
        // The purchase fires as the visitor leaves the page: the hit must survive the unload.
        body: `<a id="buy" href="/thanks">buy</a><script>document.getElementById('buy').addEventListener('click', function () {
          lookback('event', 'purchase', { revenue: 20, currency: 'EUR', eventId: 'order-9' });
        });</script>`,
      }),
    );
    site.pages.set('/thanks', '<!doctype html><title>thanks</title>');
    const { p, errors } = await open();
    // The ad click: the tracking link redirects to the landing page with the click's Lookback id.
    await p.goto(`${stack.ingestionUrl}/c/${f.campaignId}?click_id=net-1`);
    expect(new URL(p.url()).pathname).toBe('/landing');
    const lcid = new URL(p.url()).searchParams.get('lookback_click_id');
    await tagLoaded(p);
    await p.click('#go');
    await p.waitForURL(`${site.url}/product`);
    await tagLoaded(p);
    await expectNoErrors(p, errors);
    await p.click('#buy');
    await p.waitForURL(`${site.url}/thanks`);

    const events = await waitFor(async () => {
      const r = await rows(f.appId, 3, 'landing and product page views and the purchase');
      return r.every((e) => e.status === 'unlinked') ? r : undefined;
    }, 'web events processed');
    expect(events.map((e) => [e.name, e.click_id, e.campaign_id])).toEqual([
      ['page_view', lcid, f.campaignId],
      ['page_view', lcid, f.campaignId],
      ['purchase', lcid, f.campaignId],
    ]);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await stack.admin('GET', `/v1/reports/campaigns?appId=${f.appId}&from=${from}&to=${to}&groupBy=campaign`);
    expect(report.status).toBe(200);
    const row = report.body.rows.find((r: { campaignId: string | null }) => r.campaignId === f.campaignId);
    expect(row).toMatchObject({ clicks: 1, events: 3, revenueUsd: 21.6 }); // 20 EUR at 1.08
    await p.context().close();
  });

  it('sends ca=0 while attribution consent is withheld, drops nothing, and stores no click id', async () => {
    site.pages.set('/landing', page(f.appId, `lookback('consent', { attribution: false });
      lookback('event', 'add_to_cart');`));
    const { p, errors } = await open();
    await p.goto(`${stack.ingestionUrl}/c/${f.campaignId}`);
    await tagLoaded(p);
    const withheld = await rows(f.appId, 2, 'page_view and add_to_cart');
    expect(withheld.map((e) => [e.name, e.consent_attribution, e.ip])).toEqual([
      ['add_to_cart', false, null],
      ['page_view', false, null],
    ]);
    expect(await p.evaluate(`localStorage.length + document.cookie.length`)).toBe(0);
    // Consent given later applies to the next hits.
    await p.evaluate(`lookback('consent', { attribution: true }); lookback('event', 'purchase', { revenue: 1, currency: 'USD' })`);
    const granted = await rows(f.appId, 3, 'purchase after consent');
    expect(granted[2]).toMatchObject({ name: 'purchase', consent_attribution: true, ip: "127.0.0.1" });
    expect(await p.evaluate(`localStorage.getItem('lookback_click_id')`)).toMatch(/^[0-9a-f-]{36}\|\d+$/);
    await expectNoErrors(p, errors);
    await p.context().close();
  });

  it('where the page requires consent, holds hits until consent is given and drops them when it is refused', async () => {
    site.pages.set('/a', page(f.appId, `lookback('event', 'lead');`, { attrs: ' data-consent="required"' }));
    const { p, errors } = await open();
    await p.goto(`${site.url}/a`);
    await tagLoaded(p);
    await p.evaluate(`lookback('event', 'lead2')`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.db.query('SELECT count(*)::int AS n FROM events WHERE app_id = $1', [f.appId])).rows[0].n).toBe(0);
    await p.evaluate(`lookback('consent', { attribution: true })`);
    const sent = await rows(f.appId, 3, 'held hits');
    expect(sent.map((e) => [e.name, e.consent_attribution]).sort()).toEqual([
      ['lead', true],
      ['lead2', true],
      ['page_view', true],
    ]);

    const g = await createFixture(stack, { app: { platform: 'web' } });
    site.pages.set('/b', page(g.appId, `lookback('event', 'lead');`, { attrs: ' data-consent="required"' }));
    await p.goto(`${site.url}/b`);
    await tagLoaded(p);
    await p.evaluate(`lookback('consent', { attribution: false }); lookback('event', 'lead3')`);
    // Something sent after the refusal would be here by now; give it the time the held hits above needed.
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.db.query('SELECT count(*)::int AS n FROM events WHERE app_id = $1', [g.appId])).rows[0].n).toBe(0);
    await expectNoErrors(p, errors);
    await p.context().close();
  });

  it('keeps working on a page whose storage and cookies are blocked', async () => {
    // What a strict privacy setting does: every access to storage or cookies throws.
    const block = `<script>(function(){function no(){throw new DOMException('The operation is insecure.','SecurityError')}
      Object.defineProperty(window,'localStorage',{get:no});Object.defineProperty(window,'sessionStorage',{get:no});
      Object.defineProperty(Document.prototype,'cookie',{get:no,set:no});})()</script>`;
    site.pages.set('/landing', page(f.appId, `lookback('identify', 'user-7');`, { head: block }));
    const { p, errors } = await open();
    await p.goto(`${stack.ingestionUrl}/c/${f.campaignId}`);
    await tagLoaded(p);
    const lcid = new URL(p.url()).searchParams.get('lookback_click_id');
    await p.evaluate(`history.pushState({}, '', '/landing/offer'); lookback('event', 'purchase', { revenue: 3, currency: 'USD' })`);
    const r = await rows(f.appId, 3, 'hits from a page without storage');
    // The click id lives in memory for the page's life.
    expect(r.map((e) => [e.name, e.click_id, e.user_id])).toEqual([
      ['page_view', lcid, 'user-7'],
      ['page_view', lcid, 'user-7'],
      ['purchase', lcid, 'user-7'],
    ]);
    await expectNoErrors(p, errors);
    await p.context().close();
  });

  it('records nothing from the admin\'s tag snippet pasted with its placeholders unedited', async () => {
    const s = (await stack.admin('GET', `/v1/apps/${f.appId}/pixel`)).body;
    const purchase = s.events.find((e: { name: string }) => e.name === 'purchase');
    const html = `<!doctype html><html><head>${RECORD_ERRORS}${s.tag.replaceAll('http://localhost:3000', stack.ingestionUrl)}
      <script>${s.tagCalls.identify} ${purchase.tag}</script></head><body></body></html>`;
    site.pages.set('/pasted', html);
    const { p, errors } = await open();
    await p.goto(`${site.url}/pasted`);
    await tagLoaded(p);
    const health = await waitFor(async () => {
      const h = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
      const n = h.body.events.reduce((t: number, e: { rejected: { reasons: Record<string, { lastDay: number }> } }) => t + (e.rejected.reasons.placeholder?.lastDay ?? 0), 0);
      return n === 2 ? h.body : undefined;
    }, 'page_view and purchase refused as placeholders');
    expect(health.events.map((e: { name: string }) => e.name).sort()).toEqual(['page_view', 'purchase']);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM events WHERE app_id = $1', [f.appId])).rows[0].n).toBe(0);
    await expectNoErrors(p, errors);
    await p.context().close();
  });

  it('never throws into the host page, whatever the page calls', async () => {
    site.pages.set(
      '/odd',
      page(
        f.appId,
        `lookback(); lookback('event'); lookback('event', 42); lookback('consent', 'yes'); lookback('identify', { toString: null });
         lookback('nonsense', 1, 2); lookback('event', 'ok', null);`,
        { body: `<script async src="${stack.ingestionUrl}/t.js" data-app="${f.appId}"></script>` }, // included twice
      ),
    );
    const { p, errors } = await open();
    await p.goto(`${site.url}/odd`);
    await tagLoaded(p);
    await p.evaluate(`lookback('event', 'bad name'); lookback('event', 'x', { revenue: {}, currency: 7 }); history.pushState(null, '', '#h')`);
    expect(await p.evaluate('location.hash')).toBe('#h');
    const r = await rows(f.appId, 2, 'the valid calls');
    await new Promise((r) => setTimeout(r, 300));
    const names = (await stack.db.query('SELECT name FROM events WHERE app_id = $1', [f.appId])).rows.map((e) => e.name).sort();
    // The tag included twice runs once: one page_view per route, not two.
    expect(names).toEqual(['ok', 'page_view', 'page_view']);
    expect(r.length).toBeGreaterThanOrEqual(2);
    await expectNoErrors(p, errors);
    await p.context().close();
  });
});
