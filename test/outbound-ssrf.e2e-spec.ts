// Postback URLs that name a loopback, private or otherwise non-public address are refused when saved, and a
// stored one is refused at send time for good (one attempt, never sent), with OUTBOUND_ALLOW_PRIVATE=false.
import { postSigned, Sink, waitFor } from './support/http';
import { click, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('SSRF: non-public postback addresses with OUTBOUND_ALLOW_PRIVATE=false', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    stack = await startStack({ OUTBOUND_ALLOW_PRIVATE: 'false' });
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  it.each([
    ['http://127.0.0.1:5432/', '127.0.0.1'],
    ['http://10.0.0.7/pb?c={click_id}', '10.0.0.7'],
    ['http://192.168.1.1/pb', '192.168.1.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://100.64.0.1/', '100.64.0.1'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://224.0.0.1/', '224.0.0.1'],
    ['http://2130706433/pb', '127.0.0.1'],
    ['http://0x7f000001/pb', '127.0.0.1'],
    ['http://0177.0.0.1/pb', '127.0.0.1'],
    ['http://[::1]/pb', '::1'],
    ['http://[::7f00:1]/pb', '::7f00:1'],
    ['http://[::127.0.0.1]/pb', '::7f00:1'],
    ['http://[::ffff:127.0.0.1]/pb', '::ffff:7f00:1'],
    ['http://[fd00::1]/pb', 'fd00::1'],
    ['http://[fe80::1]/pb', 'fe80::1'],
    ['http://localhost:3000/pb', 'localhost'],
  ])('%s is refused on create and on update, naming the field', async (url, host) => {
    const created = await stack.admin('POST', '/v1/networks', { name: 'N', installPostbackUrl: url });
    expect(created).toEqual({
      status: 400,
      body: { error: { code: 'address_not_public', field: 'installPostbackUrl', message: expect.stringContaining(host) } },
    });
    const network = await stack.admin('POST', '/v1/networks', { name: 'N' });
    const patched = await stack.admin('PATCH', `/v1/networks/${network.body.id}`, { eventPostbackUrl: url });
    expect(patched.status).toBe(400);
    expect(patched.body.error).toMatchObject({ code: 'address_not_public', field: 'eventPostbackUrl' });
    expect((await stack.admin('GET', `/v1/networks/${network.body.id}`)).body.eventPostbackUrl).toBeNull();
  });

  it('a pixel monitor webhook to a private address is refused on create and on update, naming the field', async () => {
    const monitor = { webhookUrl: 'http://[::ffff:169.254.169.254]/alerts', events: ['purchase'] };
    const app = { name: 'A', platform: 'web', bundleId: 'example.com' };
    const created = await stack.admin('POST', '/v1/apps', { ...app, pixelMonitor: monitor });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'address_not_public', field: 'pixelMonitor.webhookUrl' });
    const ok = await stack.admin('POST', '/v1/apps', { ...app, pixelMonitor: { ...monitor, webhookUrl: 'https://alerts.example/hook' } });
    expect(ok.status).toBe(201);
    const patched = await stack.admin('PATCH', `/v1/apps/${ok.body.id}`, { pixelMonitor: monitor });
    expect(patched.body.error).toMatchObject({ code: 'address_not_public', field: 'pixelMonitor.webhookUrl' });
    expect((await stack.admin('GET', `/v1/apps/${ok.body.id}`)).body.pixelMonitor.webhookUrl).toBe('https://alerts.example/hook');
  });

  it('an audience webhook to a private address is refused on create and on update, naming the field', async () => {
    const app = await stack.admin('POST', '/v1/apps', { name: 'A', platform: 'web', bundleId: 'example.org' });
    const audience = { appId: app.body.id, name: 'Buyers', rule: { event: 'purchase' } };
    for (const webhookUrl of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook', 'http://[::7f00:1]/hook']) {
      const created = await stack.admin('POST', '/v1/audiences', { ...audience, webhookUrl });
      expect([created.status, created.body.error?.code, created.body.error?.field]).toEqual([400, 'address_not_public', 'webhookUrl']);
    }
    const ok = await stack.admin('POST', '/v1/audiences', { ...audience, webhookUrl: 'https://partner.example/hook' });
    expect(ok.status).toBe(201);
    const patched = await stack.admin('PATCH', `/v1/audiences/${ok.body.id}`, { webhookUrl: 'http://169.254.169.254/latest' });
    expect([patched.status, patched.body.error?.field]).toEqual([400, 'webhookUrl']);
    expect((await stack.admin('GET', `/v1/audiences/${ok.body.id}`)).body.webhookUrl).toBe('https://partner.example/hook');
  });

  it.each(['https://adnet.example/pb?c={click_id}', 'https://8.8.8.8/pb', 'http://[2606:4700:4700::1111]/pb'])(
    'public %s is accepted',
    async (url) => {
      expect((await stack.admin('POST', '/v1/networks', { name: 'N', installPostbackUrl: url })).status).toBe(201);
    },
  );

  it('a stored private postback URL fails at its first attempt and is never sent', async () => {
    const f = await createFixture(stack, { postbackUrl: 'https://adnet.example/pb?i={install_id}' });
    // Saved before URLs were checked on save (or through the database): only the send-time guard stands.
    await stack.db.query('UPDATE networks SET install_postback_url = $2 WHERE id = $1', [f.networkId, `${sinkUrl}/pb?i={install_id}`]);
    const gaid = '33333333-aaaa-bbbb-cccc-000000000001';
    expect((await click(stack, f.campaignId, `click_id=n1&gaid=${gaid}`)).status).toBe(302);
    await new Promise((r) => setTimeout(r, 20));
    const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'ssrf-1',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(install.status).toBe(202);
    const delivery = await waitFor(async () => {
      const r = await stack.db.query('SELECT status, attempts, last_error FROM deliveries WHERE subject_id = $1', [install.body.id]);
      return r.rows[0]?.status === 'failed' ? r.rows[0] : undefined;
    }, 'failed postback');
    expect(delivery).toEqual({ status: 'failed', attempts: 1, last_error: 'blocked: 127.0.0.1 is not a public address' });
    // No retry follows (the stack's backoff is 100 ms).
    await new Promise((r) => setTimeout(r, 600));
    const after = await stack.db.query('SELECT attempts FROM deliveries WHERE subject_id = $1', [install.body.id]);
    expect(after.rows[0].attempts).toBe(1);
    expect(sink.received).toEqual([]);
  });
});
