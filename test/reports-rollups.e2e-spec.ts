// Reports and cohorts from the rollups: figures checked against totals worked out by hand for a seeded data set
// over two UTC days and two currencies, with a refund and imported costs; country from the IP at ingest; the
// rollups after replay with apply and against a recomputation from raw rows.
import { randomUUID } from 'node:crypto';
import { postSigned, waitFor } from './support/http';
import { click, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const RANGE = { from: `${D1}T00:00:00Z`, to: '2026-11-22T00:00:00Z' };

type Row = Record<string, unknown>;

/** Every rollup equals the same aggregation run over the raw rows (zero rows left by moves ignored). */
async function expectRollupsMatchRawRows(stack: Stack) {
  const pairs: [string, string][] = [
    [
      `SELECT app_id, day, campaign_id, country, clicks, impressions FROM report_touches WHERE clicks <> 0 OR impressions <> 0`,
      `SELECT app_id, day, campaign_id, country, sum(c)::bigint AS clicks, sum(i)::bigint AS impressions FROM (
         SELECT app_id, (ts AT TIME ZONE 'UTC')::date AS day, campaign_id, country, 1 AS c, 0 AS i FROM clicks
         UNION ALL SELECT app_id, (ts AT TIME ZONE 'UTC')::date, campaign_id, country, 0, 1 FROM impressions) u
       GROUP BY 1, 2, 3, 4`,
    ],
    [
      `SELECT app_id, day, campaign_id, country, installs, rejected, organic FROM report_installs
        WHERE installs <> 0 OR rejected <> 0 OR organic <> 0`,
      `SELECT app_id, (installed_at AT TIME ZONE 'UTC')::date AS day, CASE WHEN status <> 'organic' THEN campaign_id END AS campaign_id,
              country, count(*) FILTER (WHERE status = 'attributed') AS installs,
              count(*) FILTER (WHERE status = 'rejected') AS rejected, count(*) FILTER (WHERE status = 'organic') AS organic
         FROM installs WHERE status IN ('attributed', 'rejected', 'organic') GROUP BY 1, 2, 3, 4`,
    ],
    [
      `SELECT app_id, day, campaign_id, country, events, revenue_usd FROM report_events WHERE events <> 0 OR revenue_usd <> 0`,
      `SELECT app_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, campaign_id, country, count(*) AS events,
              sum(coalesce(revenue_usd, 0)) AS revenue_usd FROM events GROUP BY 1, 2, 3, 4`,
    ],
    [
      `SELECT app_id, install_day, campaign_id, age_days, events, revenue_usd FROM cohort_revenue WHERE events <> 0 OR revenue_usd <> 0`,
      `SELECT e.app_id, (i.installed_at AT TIME ZONE 'UTC')::date AS install_day, e.campaign_id,
              greatest(0, floor(extract(epoch FROM e.occurred_at - i.installed_at) / 86400))::int AS age_days,
              count(*) AS events, sum(coalesce(e.revenue_usd, 0)) AS revenue_usd
         FROM events e JOIN installs i ON i.id = e.install_ref WHERE e.status = 'linked' GROUP BY 1, 2, 3, 4`,
    ],
  ];
  const canon = (rows: Row[]) =>
    rows
      .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v === null ? null : String(Number(v) || v)]))))
      .sort();
  for (const [rollup, raw] of pairs) {
    expect(canon((await stack.db.query(rollup)).rows)).toEqual(canon((await stack.db.query(raw)).rows));
  }
}

describe('reports from rollups', () => {
  let stack: Stack;
  let appId: string;
  const n: Record<'N1' | 'N2', string> = { N1: '', N2: '' };
  const c: Record<'C1' | 'C2' | 'C3', string> = { C1: '', C2: '', C3: '' };
  const installs: Record<string, string> = {};

  const report = (query: Record<string, string>, key?: string) =>
    stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId, ...RANGE, ...query })}`, undefined, key);
  const cohorts = (query: Record<string, string> = {}) =>
    stack.admin('GET', `/v1/reports/cohorts?${new URLSearchParams({ appId, ...RANGE, ...query })}`);

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    expect((await stack.admin('PUT', '/v1/fx-rates', { rates: { EUR: 1.08, GBP: 1.27 } })).status).toBe(200);
    appId = (await stack.admin('POST', '/v1/apps', { name: 'Seeded', platform: 'android', bundleId: 'com.seeded' })).body.id;
    n.N1 = (await stack.admin('POST', '/v1/networks', { name: 'N1' })).body.id;
    n.N2 = (await stack.admin('POST', '/v1/networks', { name: 'N2' })).body.id;
    const campaign = async (name: string, networkId: string, costPerInstall?: number) =>
      (
        await stack.admin('POST', '/v1/campaigns', {
          appId, networkId, name, destinationUrl: 'https://example.com/', ...(costPerInstall ? { costPerInstall } : {}),
        })
      ).body.id as string;
    c.C1 = await campaign('C1', n.N1, 2);
    c.C2 = await campaign('C2', n.N2, 1.5);
    c.C3 = await campaign('C3', n.N1);

    // Seeded straight into the raw tables: the triggers keep the rollups whichever code path writes.
    const touches: [string, string, keyof typeof c, string][] = [
      ...['US', 'US', 'US', 'DE'].map((k) => ['clicks', `${D1}T08:00:00Z`, 'C1', k] as [string, string, keyof typeof c, string]),
      ...['DE', 'DE'].map((k) => ['clicks', `${D1}T09:00:00Z`, 'C2', k] as [string, string, keyof typeof c, string]),
      ...['US', 'US'].map((k) => ['clicks', `${D2}T08:00:00Z`, 'C1', k] as [string, string, keyof typeof c, string]),
      ...['GB', 'GB', 'GB'].map((k) => ['clicks', `${D2}T23:59:59Z`, 'C2', k] as [string, string, keyof typeof c, string]),
      ...[1, 2, 3, 4, 5].map(() => ['impressions', `${D1}T00:00:00Z`, 'C2', 'DE'] as [string, string, keyof typeof c, string]),
    ];
    // One statement for all clicks, as a group-commit batch would write them.
    await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, country)
       SELECT gen_random_uuid(), $1, cmp, ts, country FROM unnest($2::uuid[], $3::timestamptz[], $4::text[]) AS t(cmp, ts, country)`,
      [appId, ...['campaign', 'ts', 'country'].map((_, i) => touches.filter((t) => t[0] === 'clicks').map((t) => [c[t[2]], t[1], t[3]][i]))],
    );
    for (const t of touches.filter((t) => t[0] === 'impressions')) {
      await stack.db.query(`INSERT INTO impressions (id, app_id, campaign_id, ts, country) VALUES (gen_random_uuid(), $1, $2, $3, $4)`, [
        appId, c[t[2]], t[1], t[3],
      ]);
    }
    // Installs are written pending (as ingestion does) and decided afterwards (as the worker does).
    const seeded: [string, string, string, keyof typeof c | null, string][] = [
      ['I1', `${D1}T10:00:00Z`, 'attributed', 'C1', 'US'],
      ['I2', `${D1}T11:00:00Z`, 'attributed', 'C1', 'US'],
      ['I3', `${D1}T12:00:00Z`, 'attributed', 'C1', 'DE'],
      ['I4', `${D1}T13:00:00Z`, 'attributed', 'C2', 'DE'],
      ['R1', `${D1}T14:00:00Z`, 'rejected', 'C1', 'US'],
      ['O1', `${D1}T15:00:00Z`, 'organic', null, 'US'],
      ['X1', `${D1}T16:00:00Z`, 'reinstall', null, 'US'],
      ['I5', `${D2}T10:00:00Z`, 'attributed', 'C1', 'US'],
      ['I6', `${D2}T11:00:00Z`, 'attributed', 'C2', 'GB'],
      ['I7', `${D2}T12:00:00Z`, 'attributed', 'C2', 'GB'],
      ['O2', `${D2}T13:00:00Z`, 'organic', null, 'GB'],
      ['O3', `${D2}T14:00:00Z`, 'organic', null, 'GB'],
      ['I8', `${D2}T15:00:00Z`, 'attributed', 'C3', 'US'],
      ['P1', `${D2}T16:00:00Z`, 'pending', null, 'US'],
    ];
    for (const [key, at, , , country] of seeded) {
      installs[key] = randomUUID();
      await stack.db.query(`INSERT INTO installs (id, app_id, install_id, installed_at, country) VALUES ($1, $2, $3, $4, $5)`, [
        installs[key], appId, key, at, country,
      ]);
    }
    for (const [key, , status, cmp] of seeded.filter((s) => s[2] !== 'pending')) {
      await stack.db.query(`UPDATE installs SET status = $2, campaign_id = $3, decided_at = now() WHERE id = $1`, [
        installs[key], status, cmp ? c[cmp] : null,
      ]);
    }
    const events: [string, string | null, keyof typeof c | null, string | null, string | null, string | null, string | null, string][] = [
      ['purchase', `${D1}T12:00:00Z`, 'C1', 'US', '10', 'USD', '10', 'I1'],
      ['purchase', `${D2}T09:00:00Z`, 'C1', 'DE', '5', 'EUR', '5.40', 'I1'],
      ['refund', `${D2}T11:00:00Z`, 'C1', 'US', '-2', 'USD', '-2', 'I1'],
      ['purchase', '2026-11-28T10:00:00Z', 'C1', 'US', '3', 'USD', '3', 'I1'],
      ['purchase', `${D1}T18:00:00Z`, 'C2', 'DE', '20', 'EUR', '21.60', 'I4'],
      ['purchase', `${D2}T20:00:00Z`, null, 'GB', '7', 'USD', '7', 'O2'],
      ['signup', `${D2}T21:00:00Z`, 'C3', 'US', null, null, null, 'I8'],
      ['page_view', `${D2}T22:00:00Z`, null, null, null, null, null, ''],
    ];
    for (const [name, at, cmp, country, revenue, currency, usd, install] of events) {
      const id = randomUUID();
      await stack.db.query(
        `INSERT INTO events (id, app_id, source, name, occurred_at, received_at, revenue, currency, revenue_usd, country, status)
         VALUES ($1, $2, 'sdk', $3, $4, now(), $5, $6, $7, $8, $9)`,
        [id, appId, name, at, revenue, currency, usd, country, install ? 'waiting' : 'unlinked'],
      );
      if (install) {
        await stack.db.query(`UPDATE events SET status = 'linked', install_ref = $2, campaign_id = $3 WHERE id = $1`, [
          id, installs[install], cmp ? c[cmp] : null,
        ]);
      }
    }
    const costs = async (cmp: keyof typeof c, body: unknown) => stack.admin('PUT', `/v1/campaigns/${c[cmp]}/costs`, body);
    expect((await costs('C1', { costs: [{ date: D1, amount: '5.00', currency: 'USD' }] })).status).toBe(200);
    const eur = await costs('C2', { costs: [{ date: D2, amount: '10', currency: 'EUR' }] });
    expect(eur.body).toEqual({ campaignId: c.C2, costs: [{ date: D2, amount: '10', currency: 'EUR', amountUsd: '10.8' }] });
    expect((await costs('C3', { costs: [{ date: D1, amount: 4, currency: 'GBP' }] })).status).toBe(200);
  });
  afterAll(() => stack?.close());

  const zero = { clicks: 0, impressions: 0, installs: 0, rejected: 0, organic: 0, events: 0, revenueUsd: 0, spend: null, ecpi: null, roas: null, conversionRate: null };
  const byKey = (rows: Row[]) => [...rows].sort((a, b) => String(a.networkId ?? a.campaignId ?? a.country ?? '').localeCompare(String(b.networkId ?? b.campaignId ?? b.country ?? '')));

  it('per campaign: spend from imported cost where a day has one, else installs × costPerInstall', async () => {
    const r = await report({ groupBy: 'campaign' });
    expect(r.status).toBe(200);
    const none = { date: null, country: null };
    expect(byKey(r.body.rows)).toEqual(
      byKey([
        { ...zero, ...none, campaignId: null, networkId: null, organic: 3, events: 2, revenueUsd: 7 },
        // 5.00 imported on D1 + 1 install × 2.00 on D2; revenue 10 + 5 EUR − 2 (refund) = 13.40.
        { ...none, campaignId: c.C1, networkId: n.N1, clicks: 6, impressions: 0, installs: 4, rejected: 1, organic: 0, events: 3, revenueUsd: 13.4, spend: 7, ecpi: 1.75, roas: 1.9143, conversionRate: 0.6667 },
        // 1 × 1.50 on D1 + 10 EUR imported on D2 = 12.30.
        { ...none, campaignId: c.C2, networkId: n.N2, clicks: 5, impressions: 5, installs: 3, rejected: 0, organic: 0, events: 1, revenueUsd: 21.6, spend: 12.3, ecpi: 4.1, roas: 1.7561, conversionRate: 0.6 },
        // No costPerInstall; 4 GBP imported on a day without installs.
        { ...zero, ...none, campaignId: c.C3, networkId: n.N1, installs: 1, events: 1, spend: 5.08, ecpi: 5.08, roas: 0 },
      ]),
    );
  });

  it('in total: one row', async () => {
    const r = await report({ groupBy: 'total' });
    expect(r.body.rows).toEqual([
      { date: null, campaignId: null, networkId: null, country: null, clicks: 11, impressions: 5, installs: 8, rejected: 1, organic: 3, events: 7, revenueUsd: 42, spend: 24.38, ecpi: 3.0475, roas: 1.7227, conversionRate: 0.7273 },
    ]);
  });

  it('per network', async () => {
    const r = await report({ groupBy: 'network' });
    const none = { date: null, campaignId: null, country: null };
    expect(byKey(r.body.rows)).toEqual(
      byKey([
        { ...zero, ...none, networkId: null, organic: 3, events: 2, revenueUsd: 7 },
        { ...none, networkId: n.N1, clicks: 6, impressions: 0, installs: 5, rejected: 1, organic: 0, events: 4, revenueUsd: 13.4, spend: 12.08, ecpi: 2.416, roas: 1.1093, conversionRate: 0.8333 },
        { ...none, networkId: n.N2, clicks: 5, impressions: 5, installs: 3, rejected: 0, organic: 0, events: 1, revenueUsd: 21.6, spend: 12.3, ecpi: 4.1, roas: 1.7561, conversionRate: 0.6 },
      ]),
    );
  });

  it('per country: a day’s imported cost shared by its installs’ countries', async () => {
    const r = await report({ groupBy: 'country' });
    const none = { date: null, campaignId: null, networkId: null };
    expect(r.body.rows).toEqual([
      // The pixel page view without a country, and C3's cost on a day it had no install.
      { ...zero, ...none, country: null, events: 1, spend: 5.08, roas: 0 },
      // C1's 5.00 on D1 split 1:2 between DE and US; C2's D1 install at 1.50.
      { ...none, country: 'DE', clicks: 3, impressions: 5, installs: 2, rejected: 0, organic: 0, events: 2, revenueUsd: 27, spend: 3.17, ecpi: 1.5833, roas: 8.5263, conversionRate: 0.6667 },
      { ...none, country: 'GB', clicks: 3, impressions: 0, installs: 2, rejected: 0, organic: 2, events: 1, revenueUsd: 7, spend: 10.8, ecpi: 5.4, roas: 0.6481, conversionRate: 0.6667 },
      { ...none, country: 'US', clicks: 5, impressions: 0, installs: 4, rejected: 1, organic: 1, events: 3, revenueUsd: 8, spend: 5.33, ecpi: 1.3333, roas: 1.5, conversionRate: 0.8 },
    ]);
  });

  it('per day and campaign (the default), and the days add up to the total', async () => {
    const r = await report({});
    expect(r.body.groupBy).toBe('day');
    const row = (date: string, campaignId: string | null) => r.body.rows.find((x: Row) => x.date === date && x.campaignId === campaignId);
    expect(row(D1, c.C1)).toEqual({ date: D1, campaignId: c.C1, networkId: n.N1, country: null, clicks: 4, impressions: 0, installs: 3, rejected: 1, organic: 0, events: 1, revenueUsd: 10, spend: 5, ecpi: 1.6667, roas: 2, conversionRate: 0.75 });
    expect(row(D1, c.C3)).toEqual({ ...zero, date: D1, campaignId: c.C3, networkId: n.N1, country: null, spend: 5.08, roas: 0 });
    expect(row(D2, c.C2)).toEqual({ ...zero, date: D2, campaignId: c.C2, networkId: n.N2, country: null, clicks: 3, installs: 2, spend: 10.8, ecpi: 5.4, roas: 0, conversionRate: 0.6667 });
    expect(r.body.rows.map((x: Row) => x.date).every((d: string) => d === D1 || d === D2)).toBe(true);
    const sum = (k: string) => r.body.rows.reduce((s: number, x: Row) => s + Number(x[k] ?? 0), 0);
    expect([sum('clicks'), sum('installs'), sum('organic'), sum('events'), Math.round(sum('revenueUsd') * 100) / 100]).toEqual([11, 8, 3, 7, 42]);
  });

  it('takes the days a range overlaps', async () => {
    const r = await report({ groupBy: 'total', from: `${D2}T12:00:00Z`, to: `${D2}T13:00:00Z` });
    expect(r.body.rows[0]).toMatchObject({ clicks: 5, installs: 4, organic: 2 });
  });

  it('cohorts: cumulative revenue per install day and campaign, D0 being the first 24 h', async () => {
    const r = await cohorts();
    expect(r.status).toBe(200);
    expect(r.body.days).toEqual([0, 1, 7, 30]);
    const zeros = { d0: '0.00', d1: '0.00', d7: '0.00', d30: '0.00' };
    const sorted = (rows: Row[]) => [...rows].sort((a, b) => `${a.installDate}${a.campaignId ?? ''}`.localeCompare(`${b.installDate}${b.campaignId ?? ''}`));
    expect(sorted(r.body.rows)).toEqual(
      sorted([
        { installDate: D1, campaignId: null, installs: 1, revenueUsd: zeros },
        // I1: 10 at 2 h and 5 EUR at 23 h (D0), the refund at 25 h (D1), 3 more on day 8 (D30).
        { installDate: D1, campaignId: c.C1, installs: 3, revenueUsd: { d0: '15.40', d1: '13.40', d7: '13.40', d30: '16.40' } },
        { installDate: D1, campaignId: c.C2, installs: 1, revenueUsd: { d0: '21.60', d1: '21.60', d7: '21.60', d30: '21.60' } },
        { installDate: D2, campaignId: null, installs: 2, revenueUsd: { d0: '7.00', d1: '7.00', d7: '7.00', d30: '7.00' } },
        { installDate: D2, campaignId: c.C1, installs: 1, revenueUsd: zeros },
        { installDate: D2, campaignId: c.C2, installs: 2, revenueUsd: zeros },
        { installDate: D2, campaignId: c.C3, installs: 1, revenueUsd: zeros },
      ]),
    );
    const asked = await cohorts({ days: '8,0', from: `${D1}T00:00:00Z`, to: `${D1}T23:00:00Z` });
    expect(asked.body.days).toEqual([0, 8]);
    expect(asked.body.rows.find((x: Row) => x.campaignId === c.C1).revenueUsd).toEqual({ d0: '15.40', d8: '16.40' });
  });

  it('imports costs again: the latest import of a day wins, null removes it', async () => {
    const put = await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, { costs: [{ date: D1, amount: '8', currency: 'USD' }] });
    expect(put.body.costs).toEqual([{ date: D1, amount: '8', currency: 'USD', amountUsd: '8' }]);
    expect((await report({ groupBy: 'campaign' })).body.rows.find((x: Row) => x.campaignId === c.C1).spend).toBe(10);
    const removed = await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, { costs: [{ date: D1, amount: null, currency: 'USD' }] });
    expect(removed.body.costs).toEqual([]);
    // Back to 3 installs × 2.00 on D1, + 2.00 on D2.
    expect((await report({ groupBy: 'campaign' })).body.rows.find((x: Row) => x.campaignId === c.C1).spend).toBe(8);
    await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, { costs: [{ date: D1, amount: '5.00', currency: 'USD' }] });
  });

  it('keeps rollups equal to the raw rows after moves and deletes', async () => {
    // A decision changes (as replay with apply does), its events follow, a row is deleted (as erasure does).
    await stack.db.query(`UPDATE installs SET status = 'organic', campaign_id = NULL WHERE id = $1`, [installs.I2]);
    await stack.db.query(`UPDATE events SET campaign_id = NULL WHERE install_ref = $1`, [installs.I4]);
    await stack.db.query(`DELETE FROM events WHERE install_ref = $1 AND name = 'refund'`, [installs.I1]);
    await expectRollupsMatchRawRows(stack);
    const total = (await report({ groupBy: 'total' })).body.rows[0];
    expect(total).toMatchObject({ installs: 7, organic: 4, events: 6, revenueUsd: 44 });
  });

  it.each([
    [{ appId: 'nope' }, 400, 'appId'],
    [{ from: 'yesterday' }, 400, 'from'],
    [{ from: RANGE.to, to: RANGE.from }, 400, 'to'],
    [{ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 400, 'to'],
    [{ groupBy: 'week' }, 400, 'groupBy'],
    [{ appId: randomUUID() }, 404, 'appId'],
  ])('reports refuse %j with %i', async (query, status, field) => {
    const r = await report(query as Record<string, string>);
    expect(r.status).toBe(status);
    expect(r.body.error.field).toBe(field);
  });

  it.each([
    [{ days: 'x' }, 'days'],
    [{ days: '0,400' }, 'days'],
    [{ days: '' }, 'days'],
    [{ to: 'soon' }, 'to'],
    [{ appId: '' }, 'appId'],
  ])('cohorts refuse %j', async (query, field) => {
    const r = await cohorts(query);
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
  });

  it.each([
    [{}, 'costs'],
    [{ costs: [] }, 'costs'],
    [{ costs: [{ date: '2026-02-30', amount: '1', currency: 'USD' }] }, 'costs.0.date'],
    [{ costs: [{ date: '12/01/2026', amount: '1', currency: 'USD' }] }, 'costs.0.date'],
    [{ costs: [{ date: D1, amount: '-1', currency: 'USD' }] }, 'costs.0.amount'],
    [{ costs: [{ date: D1, amount: '1.1234567', currency: 'USD' }] }, 'costs.0.amount'],
    [{ costs: [{ date: D1, amount: 'ten', currency: 'USD' }] }, 'costs.0.amount'],
    [{ costs: [{ date: D1, amount: true, currency: 'USD' }] }, 'costs.0.amount'],
    [{ costs: [{ date: D1, amount: '1', currency: 'XXQ' }] }, 'costs.0.currency'],
    [{ costs: [{ date: D1, amount: '1', currency: 'eur' }] }, 'costs.0.currency'],
    [{ costs: [{ date: D1, amount: '1', currency: 'USD' }, { date: D1, amount: '2', currency: 'USD' }] }, 'costs.1.date'],
    [{ costs: [{ date: D1, amount: '1', currency: 'USD', extra: 1 }] }, 'costs.0.extra'],
  ])('costs refuse %j', async (body, field) => {
    const r = await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, body);
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
  });

  it('costs: a currency without an FX rate is a 400, an unknown campaign a 404', async () => {
    const noRate = await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, { costs: [{ date: D1, amount: '1', currency: 'ISK' }] });
    expect(noRate.status).toBe(400);
    expect(noRate.body.error).toMatchObject({ code: 'unknown_rate', field: 'costs.0.currency' });
    expect((await stack.admin('PUT', `/v1/campaigns/${randomUUID()}/costs`, { costs: [{ date: D1, amount: '1', currency: 'USD' }] })).status).toBe(404);
    expect((await stack.admin('PUT', '/v1/campaigns/nope/costs', { costs: [{ date: D1, amount: '1', currency: 'USD' }] })).status).toBe(400);
  });

  it('auth: no key, bad key, read key writing costs, another app’s key, revoked key', async () => {
    const other = (await stack.admin('POST', '/v1/apps', { name: 'Other', platform: 'ios', bundleId: 'com.o' })).body.id;
    const scoped = (await stack.admin('POST', '/v1/api-keys', { name: 'other', scopes: ['read', 'write'], appIds: [other] })).body.key;
    const read = (await stack.admin('POST', '/v1/api-keys', { name: 'read', scopes: ['read'] })).body;
    const revoked = (await stack.admin('POST', '/v1/api-keys', { name: 'gone', scopes: ['read', 'write'] })).body;
    await stack.admin('DELETE', `/v1/api-keys/${revoked.id}`);
    const costs = { costs: [{ date: D1, amount: '1', currency: 'USD' }] };
    expect((await fetch(`${stack.adminUrl}/v1/reports/cohorts?appId=${appId}&from=${RANGE.from}&to=${RANGE.to}`)).status).toBe(401);
    expect((await report({}, 'lbk_bad')).status).toBe(401);
    expect((await report({}, revoked.key)).status).toBe(401);
    expect((await report({}, scoped)).status).toBe(404);
    expect((await stack.admin('GET', `/v1/reports/cohorts?${new URLSearchParams({ appId, ...RANGE })}`, undefined, scoped)).status).toBe(404);
    expect((await report({}, read.key)).status).toBe(200);
    expect((await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, costs, read.key)).status).toBe(403);
    expect((await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, costs, scoped)).status).toBe(404);
    expect((await stack.admin('PUT', `/v1/campaigns/${c.C1}/costs`, costs, revoked.key)).status).toBe(401);
  });
});

describe('country at ingest, and rollups after replay with apply', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('places clicks, installs and events in countries and moves their figures when replay applies a new decision', async () => {
    const f = await createFixture(stack, { app: { minCtitSeconds: 0 }, campaign: { costPerInstall: 1 } });
    const gaid = '38400000-8cf0-11bd-b23e-10b96e4000aa';
    // Behind a trusted proxy (loopback), X-Forwarded-For is the client.
    expect((await click(stack, f.campaignId, `gaid=${gaid}`, { 'x-forwarded-for': '81.2.69.142' })).status).toBe(302);
    const inst = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId, installId: 'geo-1', installedAt: new Date(Date.now() + 5000).toISOString(), device: { gaid }, ip: '8.8.8.8',
    });
    const decided = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${inst.body.id}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    }, 'decision');
    expect(decided.status).toBe('attributed');
    const ev = await postSigned(
      `${stack.ingestionUrl}/v1/events`,
      f.sdkSecret,
      { appId: f.appId, eventId: 'geo-e1', installId: 'geo-1', name: 'purchase', occurredAt: new Date(Date.now() + 6000).toISOString(), revenue: 2, currency: 'USD' },
      { 'x-forwarded-for': '2a00:1450:4001::1' },
    );
    expect(ev.status).toBe(202);
    await waitFor(async () => (await stack.db.query(`SELECT 1 FROM events WHERE campaign_id = $1`, [f.campaignId])).rows.length === 1, 'event linked');
    expect((await stack.db.query(`SELECT country FROM clicks WHERE app_id = $1`, [f.appId])).rows).toEqual([{ country: 'GB' }]);
    expect((await stack.db.query(`SELECT country FROM installs WHERE app_id = $1`, [f.appId])).rows).toEqual([{ country: 'US' }]);
    expect((await stack.db.query(`SELECT country FROM events WHERE app_id = $1`, [f.appId])).rows).toEqual([{ country: 'DE' }]);

    const range = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };
    const byCountry = async () =>
      (await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy: 'country' })}`)).body.rows;
    expect(await byCountry()).toEqual([
      expect.objectContaining({ country: 'DE', events: 1, revenueUsd: 2 }),
      expect.objectContaining({ country: 'GB', clicks: 1, installs: 0 }),
      expect.objectContaining({ country: 'US', installs: 1, spend: 1, organic: 0 }),
    ]);

    const replay = await stack.admin('POST', '/v1/attribution/replay', { appId: f.appId, ...range, overrides: { clickLookbackHours: 0 }, apply: true });
    expect([200, 202]).toContain(replay.status);
    await waitFor(async () => (await stack.admin('GET', `/v1/installs/${inst.body.id}`)).body.status === 'organic', 'replay applied');
    const campaign = await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy: 'campaign' })}`);
    expect(campaign.body.rows).toEqual([
      expect.objectContaining({ campaignId: null, installs: 0, organic: 1, events: 1, revenueUsd: 2, spend: null }),
      expect.objectContaining({ campaignId: f.campaignId, clicks: 1, installs: 0, events: 0, revenueUsd: 0, spend: 0 }),
    ]);
    const cohort = await stack.admin('GET', `/v1/reports/cohorts?${new URLSearchParams({ appId: f.appId, ...range })}`);
    expect(cohort.body.rows).toEqual([expect.objectContaining({ campaignId: null, installs: 1, revenueUsd: { d0: '2.00', d1: '2.00', d7: '2.00', d30: '2.00' } })]);
    await expectRollupsMatchRawRows(stack);
  });
});
