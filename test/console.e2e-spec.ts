// The growth teams' console in a real headless Chromium against a seeded stack: the figures it shows are the API's.
import type { Browser, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, watchErrors } from './support/browser';
import { click, createFixture, type Fixture } from './support/fixtures';
import { Sink, postSigned, waitFor } from './support/http';
import { OWNER_KEY, startStack, type Stack } from './support/stack';
import { count, duration, money, ratio, times } from '../apps/admin-api/console/src/format';
import { ruleText } from '../apps/admin-api/console/src/rule';
import { LOSS } from '../apps/admin-api/console/src/words';
import { lastOutcome } from '../apps/admin-api/console/src/words';

const ARTIFACTS = join(process.cwd(), 'test/artifacts');

describe('the console', () => {
  let stack: Stack;
  let browser: Browser;
  let f: Fixture;
  const sink = new Sink();
  let sinkUrl = '';
  const day = new Date().toISOString().slice(0, 10);
  const range = { from: `${day}T00:00:00Z`, to: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString() };
  const installIds = new Map<string, string>();

  async function install(installId: string, gaid: string, secondsFromNow: number) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date(Date.now() + secondsFromNow * 1000).toISOString(),
      device: { gaid },
      ip: '198.51.100.20',
      customerUserId: `user-${installId}`,
    });
    expect(res.status).toBe(202);
    installIds.set(installId, res.body.id);
    return waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    }, installId);
  }

  async function purchase(installId: string, revenue: number) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId,
      eventId: randomUUID(),
      installId,
      name: 'purchase',
      occurredAt: new Date(Date.now() + 120_000).toISOString(),
      revenue,
      currency: 'USD',
    });
    expect(res.status).toBe(202);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sinkUrl = await sink.start();
    // Every postback fails: the deliveries page then has a failed one to retry.
    sink.statusesFor.set('/postback', Array(40).fill(500));
    [stack, browser] = await Promise.all([startStack({ CACHE_TTL_MS: '0', PIXEL_MONITOR_EVERY_MS: '200' }), launchChromium()]);
    f = await createFixture(stack, { campaign: { name: 'Winter', costPerInstall: 2.5 }, postbackUrl: `${sinkUrl}/postback?click={click_id}` });
    const summer = await stack.admin('POST', '/v1/campaigns', {
      appId: f.appId,
      networkId: f.networkId,
      name: 'Summer',
      destinationUrl: 'https://example.com/store',
      costPerInstall: 1,
    });
    expect(summer.status).toBe(201);
    // The buyer clicked Summer first, then Winter: Winter wins (last touch), Summer loses as the older touch.
    await click(stack, summer.body.id, 'gaid=g-buyer&click_id=n0');
    await click(stack, f.campaignId, 'gaid=g-buyer&click_id=n1');
    await click(stack, f.campaignId, 'gaid=g-second&click_id=n2');
    await click(stack, summer.body.id, 'gaid=g-summer&click_id=n3');
    await click(stack, f.campaignId, 'gaid=g-injected');
    expect((await install('buyer', 'g-buyer', 60)).status).toBe('attributed');
    expect((await install('second', 'g-second', 60)).status).toBe('attributed');
    expect((await install('summer', 'g-summer', 60)).status).toBe('attributed');
    expect((await install('injected', 'g-injected', 1)).status).toBe('rejected');
    expect((await install('organic', 'g-nobody', 0)).status).toBe('organic');
    await purchase('buyer', 9.99);
    await purchase('buyer', 5);
    await purchase('summer', 3.5);
    await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy: 'total' })}`);
      return r.body.rows[0]?.revenueUsd === 18.49;
    }, 'the purchases in the report');

    // The web pixel: page views firing, a watched signup rejected (revenue without a currency) often enough to alert.
    const watch = await stack.admin('PATCH', `/v1/apps/${f.appId}`, {
      pixelMonitor: { webhookUrl: `${sinkUrl}/alerts`, events: ['page_view', 'signup'], rejectedPercent: 20 },
    });
    expect(watch.status).toBe(200);
    for (let i = 0; i < 3; i++) await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=page_view&uid=user-buyer`);
    for (let i = 0; i < 21; i++) await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=signup&v=5`);
    await waitFor(async () => {
      const h = await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`);
      return h.body.events.find((e: { name: string; monitor: { state: string } | null }) => e.name === 'signup')?.monitor?.state === 'rejecting';
    }, 'the monitor to judge signup rejecting');

    // An audience of buyers, filled from history, its webhooks answered 200.
    const audience = await stack.admin('POST', '/v1/audiences', {
      appId: f.appId,
      name: 'Buyers',
      rule: { all: [{ event: 'purchase', withinDays: 30, count: { gte: 1 } }, { not: { event: 'refund', withinDays: 7 } }] },
      webhookUrl: `${sinkUrl}/hooks`,
    });
    expect(audience.status).toBe(201);
    await waitFor(async () => {
      const a = await stack.admin('GET', `/v1/audiences/${audience.body.id}`);
      const d = await stack.admin('GET', `/v1/deliveries?kind=webhook&appId=${f.appId}`);
      return a.body.backfill.status === 'done' && d.body.items.length > 0 && d.body.items.every((x: { status: string }) => x.status === 'delivered');
    }, 'the audience back-fill and its webhooks');

    // Every install postback failed (the network answered 500 each time).
    await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?kind=postback&appId=${f.appId}`);
      return d.body.items.length === 3 && d.body.items.every((x: { status: string }) => x.status === 'failed');
    }, 'the postbacks to fail', 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await sink.stop();
  });

  let page: Page;
  let errors: string[];
  beforeEach(async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Fail on the step that waits, well inside Jest's timeout, so the message names it.
    page.setDefaultTimeout(8_000);
    errors = watchErrors(page);
  });
  afterEach(async () => {
    expect(errors).toEqual([]);
    await page.context().close();
  });

  async function signIn(p: Page, key = OWNER_KEY) {
    await p.goto(`${stack.adminUrl}/console`);
    await p.fill('#key', key);
    await p.press('#key', 'Enter');
  }

  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });

  it('is served without a key, index revalidated and hashed assets immutable; the API behind it still wants one', async () => {
    const res = await fetch(`${stack.adminUrl}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(2);
    for (const path of assets) {
      expect(path).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
      const a = await fetch(`${stack.adminUrl}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(a.status).toBe(200);
      expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(a.headers.get('content-encoding')).toBe('gzip');
      await a.arrayBuffer();
    }
    expect((await fetch(`${stack.adminUrl}/console/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${stack.adminUrl}/v1/apps`)).status).toBe(401);
  });

  it('refuses a wrong key with a message saying what to do, and keeps a good one for the tab only', async () => {
    await signIn(page, 'not-a-key');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('sign in again with a valid key');
    await page.fill('#key', OWNER_KEY);
    await page.click('button[type=submit]');
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('lookback.apiKey')")).toBe(OWNER_KEY);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.reload();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('lookback.apiKey')")).toBeNull();
  });

  it('Campaigns: totals, the per-campaign table and a sort equal the campaign report', async () => {
    await signIn(page);
    await page.locator('[data-tile=installs] dd').waitFor();
    const api = async (groupBy: string) =>
      (await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy })}`)).body.rows;
    const [total] = await api('total');
    expect(total.installs).toBe(3);
    const tile = (k: string) => page.locator(`[data-tile=${k}] dd`).innerText();
    expect(await tile('installs')).toBe(count(total.installs));
    expect(await tile('revenueUsd')).toBe(money(total.revenueUsd));
    expect(await tile('spend')).toBe(money(total.spend));
    expect(await tile('roas')).toBe(times(total.roas));
    expect(await tile('ecpi')).toBe(money(total.ecpi));

    const rows = await api('campaign');
    expect(rows).toHaveLength(3);
    await page.locator('tbody tr').nth(2).waitFor();
    for (const r of rows) {
      const tr = page.locator(`tr[data-row="${r.campaignId ?? 'organic'}"]`);
      const cell = (col: string) => tr.locator(`td[data-col=${col}]`).innerText();
      expect(await cell('campaign')).toBe(r.campaignId === f.campaignId ? 'Winter' : r.campaignId === null ? 'Organic' : 'Summer');
      expect(await cell('installs')).toBe(count(r.installs));
      expect(await cell('rejected')).toBe(count(r.rejected));
      expect(await cell('revenueUsd')).toBe(money(r.revenueUsd));
      expect(await cell('spend')).toBe(money(r.spend));
      expect(await cell('ecpi')).toBe(money(r.ecpi));
      expect(await cell('roas')).toBe(times(r.roas));
      expect(await cell('conversionRate')).toBe(ratio(r.conversionRate));
    }
    // Sorted by installs, most first; a click on Revenue sorts by revenue, most first, and again reverses it.
    const order = () => page.locator('tbody tr td[data-col=campaign]').allInnerTexts();
    expect(await order()).toEqual(['Winter', 'Summer', 'Organic']);
    await page.getByRole('button', { name: 'Revenue' }).click();
    expect(await order()).toEqual(['Winter', 'Summer', 'Organic']);
    await page.getByRole('button', { name: 'Revenue' }).press('Enter');
    expect(await order()).toEqual(['Organic', 'Summer', 'Winter']);
    await page.locator('.chart canvas').waitFor();
    await shot(page, 'campaigns');

    await page.selectOption('select[name=groupBy]', 'network');
    await page.locator('td[data-col=network]', { hasText: 'AdNet' }).waitFor();
    const byNetwork = await api('network');
    const adnet = byNetwork.find((r: { networkId: string | null }) => r.networkId === f.networkId);
    expect(await page.locator(`tr[data-row="${f.networkId}"] td[data-col=installs]`).innerText()).toBe(count(adnet.installs));
  });

  it('Campaigns: the CSV button downloads the installs export of the range', async () => {
    await signIn(page);
    await page.getByRole('button', { name: 'installs CSV' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'installs CSV' }).click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 5);
    expect(download.suggestedFilename()).toBe(`installs-${new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10)}-${day}.csv`);
  });

  async function open(path: string) {
    await signIn(page);
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.getByRole('link', { name: path }).click();
    await page.getByRole('heading', { level: 1, name: path }).waitFor();
  }

  it('Cohorts: revenue per install at each mark equals the cohort report, by campaign', async () => {
    await open('Cohorts');
    await page.locator('.chart canvas').waitFor();
    const from = new Date(Date.parse(`${day}T00:00:00Z`) - 29 * 86_400_000).toISOString();
    const api = await stack.admin('GET', `/v1/reports/cohorts?${new URLSearchParams({ appId: f.appId, from, to: range.to, days: '0,1,3,7,14,30' })}`);
    expect(api.status).toBe(200);
    const winter = api.body.rows.filter((r: { campaignId: string | null }) => r.campaignId === f.campaignId);
    const installs = winter.reduce((n: number, r: { installs: number }) => n + r.installs, 0);
    expect(installs).toBe(2);
    const tr = page.locator(`tr[data-row="${f.campaignId}"]`);
    expect(await tr.locator('td[data-col=installs]').innerText()).toBe(count(installs));
    for (const d of api.body.days) {
      const revenue = winter.reduce((n: number, r: { revenueUsd: Record<string, string> }) => n + Number(r.revenueUsd[`d${d}`]), 0);
      expect(await tr.locator(`td[data-col=d${d}]`).innerText()).toBe(money(revenue / installs));
    }
    // 14.99 USD over two Winter installs by D0.
    expect(await tr.locator('td[data-col=d0]').innerText()).toBe('$7.50');
    await shot(page, 'cohorts');
  });

  it("Installs: an install's decision in words, its losing candidates, CTIT and fraud notes; a replay dry run equal to the API's", async () => {
    await open('Installs');
    const id = installIds.get('injected')!;
    const api = (await stack.admin('GET', `/v1/installs/${id}`)).body;
    await page.fill('input[name=installId]', id);
    await page.press('input[name=installId]', 'Enter');
    await page.locator(`[data-install="${id}"]`).waitFor();
    expect(await page.locator('[data-field=status]').innerText()).toBe('rejected');
    expect(await page.locator('[data-field=ctit]').innerText()).toBe(duration(api.ctitSeconds));
    expect(await page.locator('[data-field=summary]').innerText()).toBe(api.explanation.summary);
    expect(await page.locator('[data-field=fraud]').innerText()).toContain('Rejected as click injection');

    const buyer = installIds.get('buyer')!;
    await page.fill('input[name=installId]', buyer);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator(`[data-install="${buyer}"]`).waitFor();
    const b = (await stack.admin('GET', `/v1/installs/${buyer}`)).body;
    expect(await page.locator('[data-field=campaign]').innerText()).toBe('Winter');
    expect(await page.locator('[data-field=winner]').innerText()).toContain(b.explanation.winner.touchId.slice(0, 8));
    expect(b.explanation.candidates).toHaveLength(2);
    expect(await page.locator('tr[data-touch] td[data-col=outcome]').count()).toBe(2);
    const loser = b.explanation.candidates.find((c: { won: boolean }) => !c.won);
    expect(loser.reason).toBe('older_touch');
    const lost = page.locator(`tr[data-touch="${loser.touchId}"]`);
    expect(await lost.innerText()).toContain('Summer');
    expect(await lost.locator('td[data-col=outcome]').innerText()).toBe(LOSS.older_touch);

    // Replay: what if clicks could be installed from after 0 seconds? The injected install would be attributed.
    const dry = await stack.admin('POST', '/v1/attribution/replay', { appId: f.appId, ...range, overrides: { minCtitSeconds: 0 } });
    expect(dry.body.moved).toBe(1);
    await page.fill('input[name=minCtitSeconds]', '0');
    await page.fill('input[name=from]', day);
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.locator('[data-testid=replay-result]').waitFor();
    expect(await page.locator('[data-testid=replay-result] [data-field=installs]').innerText()).toBe(count(dry.body.installs));
    expect(await page.locator('[data-testid=replay-result] [data-field=moved]').innerText()).toBe(count(dry.body.moved));
    expect(await page.locator('tr[data-move]').first().innerText()).toContain('rejected');
    expect(await page.locator('tr[data-move]').first().innerText()).toContain('attributed · Winter');
    // A dry run: nothing moved.
    expect((await stack.admin('GET', `/v1/installs/${id}`)).body.status).toBe('rejected');
    await shot(page, 'installs');
  });

  it("Pixel: each watched event's state, counts and rejections by reason equal pixel health; the snippets are shown", async () => {
    await open('Pixel');
    const h = (await stack.admin('GET', `/v1/apps/${f.appId}/pixel/health`)).body;
    await page.locator('tr[data-event=signup]').waitFor();
    for (const e of h.events) {
      const tr = page.locator(`tr[data-event="${e.name}"]`);
      expect(await tr.locator('td[data-col=state] .badge').innerText()).toBe(e.monitor ? e.monitor.state : 'not watched');
      expect(await tr.locator('td[data-col=acceptedDay]').innerText()).toBe(count(e.accepted.lastDay));
      expect(await tr.locator('td[data-col=rejectedDay]').innerText()).toBe(count(e.rejected.lastDay));
    }
    expect(await page.locator('tr[data-event=signup] td[data-col=state] .badge').innerText()).toBe('rejecting');
    expect(await page.locator('tr[data-event=signup] td[data-col=reasons]').innerText()).toBe('currency required: 21');
    expect(await page.locator('tr[data-event=page_view] td[data-col=acceptedDay]').innerText()).toBe('3');
    const snippets = (await stack.admin('GET', `/v1/apps/${f.appId}/pixel`)).body;
    await page.locator('pre code').first().waitFor();
    expect(await page.locator('pre code').first().innerText()).toBe(snippets.tag);
    await shot(page, 'pixel');
  });

  it('Audiences: size, the rule in words and the recent webhooks with their outcome; members on demand', async () => {
    await open('Audiences');
    const [a] = (await stack.admin('GET', `/v1/audiences?appId=${f.appId}`)).body.items;
    expect(a.size).toBe(2);
    const card = page.locator(`[data-audience="${a.id}"]`);
    await card.waitFor();
    expect(await card.locator('[data-field=size]').innerText()).toBe(count(a.size));
    expect(ruleText(a.rule, String)).toBe('all of these 2: (did purchase at least 1 time in the last 30 days; not: did refund at least once in the last 7 days)');
    expect(await card.locator('[data-field=rule]').innerText()).toContain('did purchase at least 1 time in the last 30 days');
    const hooks = (await stack.admin('GET', `/v1/deliveries?kind=webhook&appId=${f.appId}`)).body.items;
    expect(await card.locator('[data-delivery]').count()).toBe(Math.min(5, hooks.length));
    expect(await card.locator('[data-delivery] .badge').first().innerText()).toBe('delivered');
    await card.getByRole('button', { name: 'Show members' }).click();
    await card.locator('tr[data-member]').nth(1).waitFor();
    expect(await card.locator('tr[data-member]').count()).toBe(2);
    expect(await card.locator('tr[data-member]').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('user-buyer'), expect.stringContaining('user-summer')]));
    await shot(page, 'audiences');
  });

  it('Deliveries: status, attempts and last error equal the log; Retry sends a failed postback again', async () => {
    await open('Deliveries');
    const list = (await stack.admin('GET', `/v1/deliveries?appId=${f.appId}`)).body.items;
    await page.locator(`tr[data-delivery="${list[0].id}"]`).waitFor();
    expect(await page.locator('tr[data-delivery]').count()).toBe(list.length);
    for (const d of list) {
      const tr = page.locator(`tr[data-delivery="${d.id}"]`);
      expect(await tr.locator('td[data-col=status]').innerText()).toBe(d.status);
      expect(await tr.locator('td[data-col=attempts]').innerText()).toBe(count(d.attempts));
    }
    const failed = list.filter((d: { kind: string; status: string }) => d.kind === 'postback' && d.status === 'failed');
    expect(failed).toHaveLength(3);
    for (const d of failed) expect(await page.locator(`tr[data-delivery="${d.id}"] td[data-col=lastError]`).innerText()).toContain(lastOutcome(d));
    expect(lastOutcome(failed[0])).toContain('500');
    await shot(page, 'deliveries');

    // The network is back: a retry is delivered.
    sink.statusesFor.set('/postback', []);
    const target = page.locator(`tr[data-delivery="${failed[0].id}"]`);
    await target.getByRole('button', { name: /^Retry delivery/ }).click();
    await target.getByRole('status').filter({ hasText: /Queued|pending/ }).waitFor();
    expect(await target.locator('td[data-col=status]').innerText()).toBe('pending');
    await waitFor(async () => {
      const d = (await stack.admin('GET', `/v1/deliveries?appId=${f.appId}&kind=postback&status=delivered`)).body.items;
      return d.length === 1 && d[0].id === failed[0].id;
    }, 'the retried postback to be delivered');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await target.locator('td[data-col=status]', { hasText: 'delivered' }).waitFor();
    // The others stay failed and retriable.
    expect(await page.locator(`tr[data-delivery="${failed[1].id}"]`).getByRole('button', { name: /^Retry delivery/ }).count()).toBe(1);
  });

  it('a read-only key sees the pages and no failure of its own when it cannot retry', async () => {
    const key = await stack.admin('POST', '/v1/api-keys', { name: 'analyst', scopes: ['read'] });
    expect(key.status).toBe(201);
    await signIn(page, key.body.key);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    const failed = (await stack.admin('GET', `/v1/deliveries?appId=${f.appId}&kind=postback&status=failed`)).body.items[0];
    const tr = page.locator(`tr[data-delivery="${failed.id}"]`);
    await tr.getByRole('button', { name: /^Retry delivery/ }).click();
    await tr.getByRole('status').filter({ hasText: 'permission' }).waitFor();
    expect((await stack.admin('GET', `/v1/deliveries?appId=${f.appId}&kind=postback&status=failed`)).body.items.map((d: { id: string }) => d.id)).toContain(failed.id);
  });

  it('Campaigns on a phone: one column, the menu opens from the keyboard', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    const errs = watchErrors(p);
    await signIn(p);
    await p.locator('[data-tile=installs] dd').waitFor();
    await p.locator('.chart canvas').waitFor();
    expect(await p.locator('nav#nav').isVisible()).toBe(false);
    await p.getByRole('button', { name: 'Menu' }).focus();
    await p.keyboard.press('Enter');
    expect(await p.locator('nav#nav').isVisible()).toBe(true);
    // Nothing is wider than the screen but the tables, which scroll in their own box.
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot(p, 'campaigns-phone');
    expect(errs).toEqual([]);
    await phone.close();
  });
});
