// The growth teams' console in a real headless Chromium against a seeded stack: the figures it shows are the API's.
import type { Browser, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, watchErrors } from './support/browser';
import { click, createFixture, type Fixture } from './support/fixtures';
import { Sink, postSigned, waitFor } from './support/http';
import { OWNER_KEY, startStack, type Stack } from './support/stack';
import { count, money, ratio, times } from '../apps/admin-api/console/src/format';

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
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    f = await createFixture(stack, { campaign: { name: 'Winter', costPerInstall: 2.5 }, postbackUrl: `${sinkUrl}/postback?click={click_id}` });
    const summer = await stack.admin('POST', '/v1/campaigns', {
      appId: f.appId,
      networkId: f.networkId,
      name: 'Summer',
      destinationUrl: 'https://example.com/store',
      costPerInstall: 1,
    });
    expect(summer.status).toBe(201);
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
