import { randomUUID } from 'node:crypto';
import { postSigned, waitFor } from './support/http';
import { click, createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** The campaign report: attributed and rejected installs apart, revenue converted to USD, spend and ROAS. */
describe('GET /v1/reports/campaigns', () => {
  let stack: Stack;
  let f: Fixture;
  const today = new Date().toISOString().slice(0, 10);
  const range = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };

  async function install(installId: string, gaid: string, secondsFromNow: number) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date(Date.now() + secondsFromNow * 1000).toISOString(),
      device: { gaid },
      ip: '198.51.100.20',
    });
    return waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    }, installId);
  }

  const report = (query: Record<string, string>) =>
    stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, ...query })}`);

  beforeAll(async () => {
    stack = await startStack();
    f = await createFixture(stack, { campaign: { costPerInstall: 2.5 } });
    await click(stack, f.campaignId, 'gaid=buyer');
    await click(stack, f.campaignId, 'gaid=injected');
    await fetch(`${stack.ingestionUrl}/i/${f.campaignId}?gaid=viewer`);
    expect((await install('buyer', 'buyer', 60)).status).toBe('attributed');
    expect((await install('injected', 'injected', 2)).status).toBe('rejected');
    expect((await install('organic', 'nobody', 0)).status).toBe('organic');
    const purchase = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId,
      eventId: randomUUID(),
      installId: 'buyer',
      name: 'purchase',
      occurredAt: new Date().toISOString(),
      revenue: 10,
      currency: 'EUR',
    });
    expect(purchase.status).toBe(202);
    await waitFor(async () => {
      const r = await stack.db.query("SELECT campaign_id FROM events WHERE install_id = 'buyer'");
      return r.rows[0]?.campaign_id === f.campaignId;
    }, 'the purchase to inherit the campaign');
  });
  afterAll(() => stack?.close());

  it('totals per campaign: rejected apart from installs, EUR revenue in USD, spend and ROAS', async () => {
    const r = await report({ groupBy: 'campaign' });
    expect(r.status).toBe(200);
    const none = { date: null, country: null };
    expect(r.body.rows).toEqual([
      { ...none, campaignId: null, networkId: null, clicks: 0, impressions: 0, installs: 0, rejected: 0, organic: 1, events: 0, revenueUsd: 0, spend: null, ecpi: null, roas: null, conversionRate: null },
      // 10 EUR at the seeded 1.08 USD/EUR; one attributed install at 2.50 cost per install.
      { ...none, campaignId: f.campaignId, networkId: f.networkId, clicks: 2, impressions: 1, installs: 1, rejected: 1, organic: 0, events: 1, revenueUsd: 10.8, spend: 2.5, ecpi: 2.5, roas: 4.32, conversionRate: 0.5 },
    ]);
    const total = await report({ groupBy: 'total' });
    expect(total.body.rows).toEqual([
      { date: null, campaignId: null, networkId: null, country: null, clicks: 2, impressions: 1, installs: 1, rejected: 1, organic: 1, events: 1, revenueUsd: 10.8, spend: 2.5, ecpi: 2.5, roas: 4.32, conversionRate: 0.5 },
    ]);
  });

  it('groups by UTC day by default', async () => {
    const r = await report({});
    expect(r.body.groupBy).toBe('day');
    const rows = r.body.rows as { date: string; installs: number; clicks: number }[];
    // Near midnight the install (stamped a minute ahead) may fall on the next UTC day; the totals still agree.
    expect(rows.every((row) => /^\d{4}-\d\d-\d\d$/.test(row.date) && row.date >= today)).toBe(true);
    expect(rows.reduce((n, row) => n + row.installs, 0)).toBe(1);
    expect(rows.reduce((n, row) => n + row.clicks, 0)).toBe(2);
  });

  it('follows the fx table: a new EUR rate changes no stored revenue (it was converted on arrival)', async () => {
    const put = await stack.admin('PUT', '/v1/fx-rates', { rates: { EUR: 2 } });
    expect(put.status).toBe(200);
    const r = await report({ groupBy: 'total' });
    expect(r.body.rows[0].revenueUsd).toBe(10.8);
  });

  it.each([
    [{ appId: 'nope' }, 400, 'appId'],
    [{ from: 'yesterday' }, 400, 'from'],
    [{ from: range.to, to: range.from }, 400, 'to'],
    [{ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 400, 'to'],
    [{ groupBy: 'week' }, 400, 'groupBy'],
    [{ appId: randomUUID() }, 404, 'appId'],
  ])('refuses %j with %i', async (query, status, field) => {
    const r = await report(query as Record<string, string>);
    expect(r.status).toBe(status);
    expect(r.body.error.field).toBe(field);
  });
});
