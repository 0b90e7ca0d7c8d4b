// Erasure: the person's rows gone from every table and export, their later data answered and not stored.
import { postSigned, waitFor } from './support/http';
import { click, createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('POST /v1/privacy/erasure', () => {
  let stack: Stack;
  let f: Fixture;
  const gaid = '38400000-8cf0-11bd-b23e-10b96e40e7a5';
  const other = '38400000-8cf0-11bd-b23e-10b96e40ffff';
  const range = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };

  async function send(device: string, installId: string, eventId: string) {
    expect((await click(stack, f.campaignId, `gaid=${device}`, { 'x-forwarded-for': '81.2.69.142' })).status).toBe(302);
    expect((await fetch(`${stack.ingestionUrl}/i/${f.campaignId}?gaid=${device}`)).status).toBe(200);
    const inst = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId, installId, installedAt: new Date(Date.now() + 2000).toISOString(), device: { gaid: device, idfv: `idfv-${installId}` }, ip: '8.8.8.8',
    });
    expect(inst.status).toBe(202);
    const ev = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId, eventId, installId, name: 'purchase', occurredAt: new Date(Date.now() + 3000).toISOString(), revenue: 1, currency: 'USD',
    });
    expect(ev.status).toBe(202);
    return { install: inst.body.id as string, event: ev.body.id as string };
  }

  const count = async (sql: string, params: unknown[]) => Number((await stack.db.query(sql, params)).rows[0].n);
  const everywhere = async (device: string, installId: string) => ({
    clicks: await count(`SELECT count(*) AS n FROM clicks WHERE gaid = $1`, [device]),
    impressions: await count(`SELECT count(*) AS n FROM impressions WHERE gaid = $1`, [device]),
    installs: await count(`SELECT count(*) AS n FROM installs WHERE gaid = $1 OR install_id = $2`, [device, installId]),
    events: await count(`SELECT count(*) AS n FROM events WHERE install_id = $1`, [installId]),
    deliveries: await count(`SELECT count(*) AS n FROM deliveries WHERE url LIKE '%' || $1 || '%'`, [device]),
  });
  const exported = async (kind: string) =>
    (await fetch(`${stack.adminUrl}/v1/exports/${kind}?${new URLSearchParams({ appId: f.appId, ...range })}`, { headers: { authorization: 'Bearer test-owner-key-0123456789abcdef' } })).text();

  beforeAll(async () => {
    stack = await startStack();
    f = await createFixture(stack, { app: { minCtitSeconds: 0 }, postbackUrl: 'http://127.0.0.1:9/pb?g={gaid}' });
  });
  afterAll(() => stack?.close());

  it('deletes the person everywhere, answers what it erased, and leaves others alone', async () => {
    const mine = await send(gaid, 'erase-me', 'e-erase-me');
    await send(other, 'keep-me', 'e-keep-me');
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM events WHERE status = 'linked'`, [])) === 2, 'both events linked');
    expect(await everywhere(gaid, 'erase-me')).toMatchObject({ clicks: 1, impressions: 1, installs: 1, events: 1 });

    const res = await stack.admin('POST', '/v1/privacy/erasure', { appId: f.appId, device: { gaid: gaid.toUpperCase() } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ erased: { clicks: 1, impressions: 1, installs: 1, events: 1, members: 0, deliveries: expect.any(Number) }, suppressed: true });
    expect(await everywhere(gaid, 'erase-me')).toEqual({ clicks: 0, impressions: 0, installs: 0, events: 0, deliveries: 0 });
    expect(await count(`SELECT count(*) AS n FROM deliveries WHERE subject_id = ANY($1::uuid[]) AND status <> 'delivered'`, [[mine.install, mine.event]])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM event_keys WHERE event_key = 'e-erase-me'`, [])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM suppressions WHERE value_hash = encode(sha256($1::bytea), 'hex')`, [gaid])).toBe(1);
    // The suppression list holds hashes only.
    expect(JSON.stringify((await stack.db.query('SELECT * FROM suppressions')).rows)).not.toContain(gaid);
    for (const kind of ['clicks', 'installs', 'events']) {
      const text = await exported(kind);
      expect(text).not.toContain(gaid);
      expect(text).not.toContain('erase-me');
    }
    expect(await exported('installs')).toContain('keep-me');
    expect(await everywhere(other, 'keep-me')).toMatchObject({ clicks: 1, impressions: 1, installs: 1, events: 1 });
    const report = await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy: 'total' })}`);
    expect(report.body.rows[0]).toMatchObject({ clicks: 1, impressions: 1, installs: 1, events: 1 });
  });

  it('answers the person’s later data as usual and stores none of it', async () => {
    const again = await send(gaid, 'erase-me', 'e-erase-me-2');
    expect(again.install).toEqual(expect.any(String));
    // An event naming the erased install only by the client's installId, with another device.
    const late = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId, eventId: 'e-late', installId: 'erase-me', name: 'open', occurredAt: new Date().toISOString(),
    });
    expect(late.status).toBe(202);
    // A fresh install of the suppressed device under a new installId is dropped too.
    const fresh = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId, installId: 'new-id', installedAt: new Date().toISOString(), device: { gaid },
    });
    expect(fresh.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(await everywhere(gaid, 'erase-me')).toEqual({ clicks: 0, impressions: 0, installs: 0, events: 0, deliveries: 0 });
    expect(await count(`SELECT count(*) AS n FROM installs WHERE install_id = 'new-id'`, [])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM events WHERE event_id = 'e-late'`, [])).toBe(0);
    // Others' data still flows.
    await send(other, 'keep-me-2', 'e-keep-me-2');
    expect(await count(`SELECT count(*) AS n FROM installs WHERE install_id = 'keep-me-2'`, [])).toBe(1);
    const report = await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId: f.appId, ...range, groupBy: 'total' })}`);
    expect(report.body.rows[0]).toMatchObject({ clicks: 2, impressions: 2 });
  });

  it('erases by customerUserId (pixel uid)', async () => {
    expect((await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=signup&uid=user-42`)).status).toBe(200);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM events WHERE user_id = 'user-42'`, [])) === 1, 'pixel event');
    const res = await stack.admin('POST', '/v1/privacy/erasure', { appId: f.appId, customerUserId: 'user-42' });
    expect(res.body.erased.events).toBe(1);
    expect((await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=signup&uid=user-42`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await count(`SELECT count(*) AS n FROM events WHERE user_id = 'user-42'`, [])).toBe(0);
  });

  it.each([
    [{}, 'appId'],
    [{ appId: 'x', device: { gaid } }, 'appId'],
    [{ appId: '00000000-0000-4000-8000-000000000000' }, 'device'],
    [{ appId: '00000000-0000-4000-8000-000000000000', device: {} }, 'device'],
    [{ appId: '00000000-0000-4000-8000-000000000000', device: { gaid: 5 } }, 'device.gaid'],
    [{ appId: '00000000-0000-4000-8000-000000000000', device: { imei: '1' } }, 'device.imei'],
    [{ appId: '00000000-0000-4000-8000-000000000000', customerUserId: '' }, 'customerUserId'],
  ])('refuses %j', async (body, field) => {
    const res = await stack.admin('POST', '/v1/privacy/erasure', body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it('auth: no key, bad key, read key, another app’s key, revoked key; unknown app 404', async () => {
    const otherApp = (await stack.admin('POST', '/v1/apps', { name: 'O', platform: 'ios', bundleId: 'com.o' })).body.id;
    const scoped = (await stack.admin('POST', '/v1/api-keys', { name: 's', scopes: ['write'], appIds: [otherApp] })).body.key;
    const read = (await stack.admin('POST', '/v1/api-keys', { name: 'r', scopes: ['read'] })).body.key;
    const gone = (await stack.admin('POST', '/v1/api-keys', { name: 'g', scopes: ['write'] })).body;
    await stack.admin('DELETE', `/v1/api-keys/${gone.id}`);
    const body = { appId: f.appId, device: { gaid: other } };
    expect((await fetch(`${stack.adminUrl}/v1/privacy/erasure`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(401);
    expect((await stack.admin('POST', '/v1/privacy/erasure', body, 'lbk_bad')).status).toBe(401);
    expect((await stack.admin('POST', '/v1/privacy/erasure', body, gone.key)).status).toBe(401);
    expect((await stack.admin('POST', '/v1/privacy/erasure', body, read)).status).toBe(403);
    expect((await stack.admin('POST', '/v1/privacy/erasure', body, scoped)).status).toBe(404);
    expect((await stack.admin('POST', '/v1/privacy/erasure', { ...body, appId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    // None of the refused calls erased anything.
    expect(await count(`SELECT count(*) AS n FROM installs WHERE gaid = $1`, [other])).toBe(2);
  });
});
