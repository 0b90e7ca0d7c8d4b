// Exports: every row of a range, streamed as NDJSON or CSV, inside the key's apps only.
import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from './support/stack';

describe('GET /v1/exports/{kind}', () => {
  let stack: Stack;
  let appId: string;
  let campaignId: string;
  const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' };

  const get = (path: string, key?: string) =>
    fetch(`${stack.adminUrl}${path}`, key === '' ? {} : { headers: { authorization: `Bearer ${key ?? 'test-owner-key-0123456789abcdef'}` } });
  const url = (kind: string, q: Record<string, string> = {}) => `/v1/exports/${kind}?${new URLSearchParams({ appId, ...range, ...q })}`;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    appId = (await stack.admin('POST', '/v1/apps', { name: 'Export', platform: 'android', bundleId: 'com.export' })).body.id;
    const network = (await stack.admin('POST', '/v1/networks', { name: 'N' })).body.id;
    campaignId = (await stack.admin('POST', '/v1/campaigns', { appId, networkId: network, name: 'C', destinationUrl: 'https://example.com/' })).body.id;
    // 2500 clicks inside the range (more than one cursor batch), 2 outside it.
    await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, subs, country)
       SELECT gen_random_uuid(), $1, $2, '2026-11-01T00:00:00Z'::timestamptz + g * interval '1 minute', 'g' || g, '203.0.113.9',
              '{"sub1": "a,b \\"q\\""}', 'DE'
         FROM generate_series(0, 2499) g`,
      [appId, campaignId],
    );
    await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts) VALUES (gen_random_uuid(), $1, $2, '2026-10-31T23:59:59Z'), (gen_random_uuid(), $1, $2, '2026-11-03T00:00:00Z')`,
      [appId, campaignId],
    );
    await stack.db.query(
      `INSERT INTO installs (id, app_id, install_id, installed_at, gaid, status) VALUES ($1, $2, 'i-1', '2026-11-02T10:00:00Z', 'g1', 'organic')`,
      [randomUUID(), appId],
    );
    await stack.db.query(
      `INSERT INTO events (id, app_id, source, event_id, name, occurred_at, received_at, revenue, currency, revenue_usd, properties)
       VALUES ($1, $2, 'sdk', 'e-1', 'purchase', '2026-11-02T11:00:00Z', now(), 4.99, 'EUR', 5.3892, '{"sku": "gems"}')`,
      [randomUUID(), appId],
    );
  });
  afterAll(() => stack?.close());

  it('streams NDJSON: every row of the range in time order, nothing outside it', async () => {
    const res = await get(url('clicks'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2500);
    expect(lines[0]).toMatchObject({ campaignId, ts: '2026-11-01T00:00:00.000Z', gaid: 'g0', ip: '203.0.113.9', country: 'DE', subs: { sub1: 'a,b "q"' } });
    expect(lines.map((l) => l.ts)).toEqual([...lines.map((l) => l.ts)].sort());
  });

  it('streams CSV with a header and quoted cells', async () => {
    const res = await get(url('clicks', { format: 'csv' }));
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(2501);
    expect(rows[0]).toBe('id,campaignId,ts,networkClickId,gaid,idfa,ip,userAgent,country,siteId,creative,subs');
    expect(rows[1]).toContain(`,${campaignId},2026-11-01T00:00:00.000Z,,g0,,203.0.113.9,,DE,,,"{""sub1"":""a,b \\""q\\""""}"`);
  });

  it('exports installs and events', async () => {
    const installs = (await (await get(url('installs'))).text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(installs).toEqual([expect.objectContaining({ installId: 'i-1', status: 'organic', gaid: 'g1', installedAt: '2026-11-02T10:00:00.000Z' })]);
    const events = (await (await get(url('events', { format: 'csv' }))).text()).trimEnd().split('\n');
    expect(events).toHaveLength(2);
    expect(events[1]).toContain('purchase');
    expect(events[1]).toContain('5.389200');
    expect(events[1]).toContain('"{""sku"":""gems""}"');
  });

  it('answers an empty range with no rows (CSV: the header alone)', async () => {
    const q = { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' };
    expect(await (await get(url('installs', q))).text()).toBe('');
    expect((await (await get(url('installs', { ...q, format: 'csv' }))).text()).split('\n')[0]).toMatch(/^id,installId,/);
  });

  it('gives the connection back when the client stops reading halfway', async () => {
    const ac = new AbortController();
    const res = await fetch(`${stack.adminUrl}${url('clicks')}`, { headers: { authorization: 'Bearer test-owner-key-0123456789abcdef' }, signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    // The admin API keeps answering: the cursor's connection went back to the pool (or was closed).
    for (let i = 0; i < 15; i++) expect((await get(url('installs'))).status).toBe(200);
  });

  it.each([
    ['/v1/exports/touches', 400, 'kind'],
    ['appId=nope', 400, 'appId'],
    ['from=yesterday', 400, 'from'],
    ['format=xml', 400, 'format'],
    ['from=2026-11-03T00:00:00Z&to=2026-11-01T00:00:00Z', 400, 'to'],
    ['from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 400, 'to'],
    [`appId=${randomUUID()}`, 404, 'appId'],
  ])('refuses %s with %i', async (change, status, field) => {
    const q = change.startsWith('/')
      ? `${change}?${new URLSearchParams({ appId, ...range })}`
      : `/v1/exports/clicks?${new URLSearchParams({ appId, ...range, ...Object.fromEntries(new URLSearchParams(change)) })}`;
    const res = await get(q);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
  });

  it('auth: no key, bad key, a key of another app, a revoked key; a read key may export', async () => {
    const other = (await stack.admin('POST', '/v1/apps', { name: 'O', platform: 'ios', bundleId: 'com.o' })).body.id;
    const scoped = (await stack.admin('POST', '/v1/api-keys', { name: 's', scopes: ['read'], appIds: [other] })).body.key;
    const read = (await stack.admin('POST', '/v1/api-keys', { name: 'r', scopes: ['read'] })).body.key;
    const gone = (await stack.admin('POST', '/v1/api-keys', { name: 'g', scopes: ['read'] })).body;
    await stack.admin('DELETE', `/v1/api-keys/${gone.id}`);
    expect((await get(url('installs'), '')).status).toBe(401);
    expect((await get(url('installs'), 'lbk_bad')).status).toBe(401);
    expect((await get(url('installs'), gone.key)).status).toBe(401);
    const denied = await get(url('installs'), scoped);
    expect(denied.status).toBe(404);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('app_not_found');
    expect((await get(url('installs'), read)).status).toBe(200);
  });
});
