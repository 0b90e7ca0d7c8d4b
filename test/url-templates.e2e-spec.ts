// Macros may fill only the path, query and fragment of a URL template: a click's values never choose where a
// redirect or a postback goes, neither for templates saved now (refused) nor for rows saved before (not used).
import { postSigned, Sink, waitFor } from './support/http';
import { click, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('URL templates: no macro in the scheme, user info, host or port', () => {
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

  function expectRefused(res: { status: number; body: any }, field: string, part: string) {
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_field', field, message: expect.stringContaining(`in its ${part}`) });
  }

  describe('on save', () => {
    it.each([
      ['https://{click_id}', 'host'],
      ['https://example.com{click_id}/x', 'host'],
      ['https://{campaign_id}.example.com/', 'host'],
      ['https://{click_id}@example.com/', 'userinfo'],
      ['https://example.com:{click_id}/', 'port'],
      ['{click_id}://example.com/', 'scheme'],
      ['market://{click_id}', 'host'],
    ])('a campaign destination %s is refused (macro in the %s), on create and on update', async (destinationUrl, part) => {
      const f = await createFixture(stack);
      expectRefused(
        await stack.admin('POST', '/v1/campaigns', { appId: f.appId, networkId: f.networkId, name: 'C', destinationUrl }),
        'destinationUrl',
        part,
      );
      const before = await stack.admin('GET', `/v1/campaigns/${f.campaignId}`);
      expectRefused(await stack.admin('PATCH', `/v1/campaigns/${f.campaignId}`, { destinationUrl }), 'destinationUrl', part);
      expect(await stack.admin('GET', `/v1/campaigns/${f.campaignId}`)).toEqual(before);
    });

    it.each([
      ['installPostbackUrl', 'https://{click_id}/pb', 'host'],
      ['eventPostbackUrl', 'https://adnet.example{gaid}/pb', 'host'],
      ['installPostbackUrl', 'https://adnet.example:{install_id}/pb', 'port'],
      ['eventPostbackUrl', 'https://{idfa}:x@adnet.example/pb', 'userinfo'],
    ])('a network %s of %s is refused (macro in the %s), on create and on update', async (field, url, part) => {
      expectRefused(await stack.admin('POST', '/v1/networks', { name: 'N', [field]: url }), field, part);
      const network = await stack.admin('POST', '/v1/networks', { name: 'N' });
      expectRefused(await stack.admin('PATCH', `/v1/networks/${network.body.id}`, { [field]: url }), field, part);
      expect((await stack.admin('GET', `/v1/networks/${network.body.id}`)).body[field]).toBeNull();
    });

    it('macros in the path, query and fragment are accepted and filled, URL-encoded', async () => {
      const f = await createFixture(stack, {
        campaign: { destinationUrl: 'https://example.com/{campaign_id}/go?c={click_id}#{lookback_click_id}' },
      });
      const res = await click(stack, f.campaignId, `click_id=${encodeURIComponent('@evil.example/x')}`);
      expect(res.status).toBe(302);
      const location = new URL(res.location!);
      expect(location.origin).toBe('https://example.com');
      expect(location.pathname).toBe(`/${f.campaignId}/go`);
      expect(location.searchParams.get('c')).toBe('@evil.example/x');
    });
  });

  describe('rows saved before templates were checked', () => {
    it('a campaign whose destination puts {click_id} in the host is not redirected anywhere, and records no click', async () => {
      for (const legacy of ['https://{click_id}', 'https://example.com{click_id}/x']) {
        const f = await createFixture(stack);
        await stack.db.query('UPDATE campaigns SET destination_url = $2 WHERE id = $1', [f.campaignId, legacy]);
        const res = await click(stack, f.campaignId, 'click_id=evil.example');
        expect(res.location).toBeNull();
        expect(res.status).toBe(409);
        expect(JSON.parse(res.body)).toEqual({
          error: { code: 'destination_unsafe', field: 'destinationUrl', message: expect.stringContaining('{click_id} in its host') },
        });
        const clicks = await stack.db.query('SELECT count(*)::int AS n FROM clicks WHERE campaign_id = $1', [f.campaignId]);
        expect(clicks.rows[0].n).toBe(0);
      }
    });

    it('a postback template that puts {click_id} in the host is never sent, and fails at once with its reason', async () => {
      const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/pb?i={install_id}` });
      // The attack: the clicker names its own server (here the sink) as the postback's host.
      await stack.db.query('UPDATE networks SET install_postback_url = $2 WHERE id = $1', [f.networkId, 'http://{click_id}/pb?i={install_id}']);
      const gaid = '22222222-aaaa-bbbb-cccc-000000000009';
      const hostile = new URL(sinkUrl).host;
      expect((await click(stack, f.campaignId, `click_id=${encodeURIComponent(hostile)}&gaid=${gaid}`)).status).toBe(302);
      await new Promise((r) => setTimeout(r, 20));
      const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
        appId: f.appId,
        installId: 'legacy-template-1',
        installedAt: new Date(Date.now() + 60_000).toISOString(),
        device: { gaid },
      });
      expect(install.status).toBe(202);
      const delivery = await waitFor(async () => {
        const r = await stack.db.query('SELECT status, attempts, url, last_error FROM deliveries WHERE subject_id = $1', [install.body.id]);
        return r.rows[0]?.status === 'failed' ? r.rows[0] : undefined;
      }, 'failed postback');
      expect(delivery).toEqual({
        status: 'failed',
        attempts: 1,
        url: 'http://{click_id}/pb?i={install_id}',
        last_error: expect.stringContaining('{click_id} in its host'),
      });
      expect((await stack.admin('GET', `/v1/installs/${install.body.id}`)).body.status).toBe('attributed');
      await new Promise((r) => setTimeout(r, 300));
      expect(sink.received.filter((r) => r.url.startsWith('/pb'))).toEqual([]);
    });
  });
});
