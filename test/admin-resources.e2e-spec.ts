// Apps, networks and campaigns through the admin API: create, read, list, update, archive.
import { click } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

const TRACKING = 'https://track.example.test';
const DEST = 'https://play.google.com/store/apps/details?id=com.example&referrer=lookback_click_id%3D{lookback_click_id}';
const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe('admin API resources', () => {
  let stack: Stack;

  // Ingestion must see an archive at once, not after its catalog cache expires.
  beforeAll(async () => {
    stack = await startStack({ CACHE_TTL_MS: '0', PUBLIC_TRACKING_URL: TRACKING }, { worker: false });
  });
  afterAll(() => stack?.close());

  async function created(path: string, body: Record<string, unknown>) {
    const res = await stack.admin('POST', path, body);
    expect(res.status).toBe(201);
    return res.body;
  }
  const newApp = (extra: Record<string, unknown> = {}) =>
    created('/v1/apps', { name: 'Gems', platform: 'android', bundleId: 'com.example.gems', ...extra });
  const newNetwork = (extra: Record<string, unknown> = {}) => created('/v1/networks', { name: 'AdNet', ...extra });
  async function newCampaign(extra: Record<string, unknown> = {}) {
    const [app, network] = await Promise.all([newApp(), newNetwork()]);
    return created('/v1/campaigns', { appId: app.id, networkId: network.id, name: 'Winter', destinationUrl: DEST, ...extra });
  }

  describe('apps', () => {
    it('creates an app with its SDK secret, and never shows the secret again', async () => {
      const app = await newApp({ storeUrl: 'market://details?id=com.example.gems', minCtitSeconds: 5, pixelEvents: ['purchase'] });
      const view = {
        id: expect.any(String),
        name: 'Gems',
        platform: 'android',
        bundleId: 'com.example.gems',
        storeUrl: 'market://details?id=com.example.gems',
        minCtitSeconds: 5,
        reattributionDays: 90,
        pixelEvents: ['purchase'],
        ipBlocklist: [],
        clickFloodThreshold: 50,
        fraudModes: { clickInjection: 'enforce', clickFlooding: 'enforce', ipBlocklist: 'enforce', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' },
        pixelMonitor: null,
        createdAt: isoDate,
        updatedAt: isoDate,
      };
      expect(app).toEqual({ ...view, sdkSecret: expect.stringMatching(/.{20,}/) });
      const got = await stack.admin('GET', `/v1/apps/${app.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ ...view, id: app.id });
      const listed = await stack.admin('GET', '/v1/apps?limit=500');
      expect(JSON.stringify(listed.body)).not.toContain(app.sdkSecret);
    });

    it('applies defaults for the optional settings', async () => {
      expect(await newApp()).toMatchObject({ storeUrl: null, minCtitSeconds: 10, reattributionDays: 90, pixelEvents: null });
    });

    it('PATCH changes only the fields given', async () => {
      const app = await newApp({ minCtitSeconds: 30 });
      const res = await stack.admin('PATCH', `/v1/apps/${app.id}`, { name: 'Gems Pro' });
      expect(res.status).toBe(200);
      const { sdkSecret: _secret, updatedAt: _u, ...rest } = app;
      expect(res.body).toEqual({ ...rest, name: 'Gems Pro', updatedAt: isoDate });
      expect((await stack.admin('GET', `/v1/apps/${app.id}`)).body).toEqual(res.body);
    });

    it('PATCH with null clears an optional setting', async () => {
      const app = await newApp({ storeUrl: 'https://example.com/app', pixelEvents: ['signup'] });
      const res = await stack.admin('PATCH', `/v1/apps/${app.id}`, { storeUrl: null, pixelEvents: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ storeUrl: null, pixelEvents: null, name: 'Gems' });
    });
  });

  describe('networks', () => {
    it('creates, reads and patches a network', async () => {
      const network = await newNetwork({ installPostbackUrl: 'https://adnet.example/pb?c={click_id}' });
      expect(network).toEqual({
        id: expect.any(String),
        name: 'AdNet',
        installPostbackUrl: 'https://adnet.example/pb?c={click_id}',
        eventPostbackUrl: null,
        postbackEvents: [],
        dedupesClickId: false,
        createdAt: isoDate,
        updatedAt: isoDate,
      });
      expect((await stack.admin('GET', `/v1/networks/${network.id}`)).body).toEqual(network);
      const patched = await stack.admin('PATCH', `/v1/networks/${network.id}`, { postbackEvents: ['purchase'] });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...network, postbackEvents: ['purchase'], updatedAt: isoDate });
    });
  });

  describe('campaigns', () => {
    it('creates a campaign with its tracking and impression links', async () => {
      const c = await newCampaign({ costPerInstall: 1.25 });
      expect(c).toEqual({
        id: expect.any(String),
        appId: expect.any(String),
        networkId: expect.any(String),
        name: 'Winter',
        destinationUrl: DEST,
        status: 'active',
        clickLookbackHours: 168,
        viewLookbackHours: 24,
        fingerprintLookbackHours: 24,
        costPerInstall: 1.25,
        trackingUrl: `${TRACKING}/c/${c.id}`,
        impressionUrl: `${TRACKING}/i/${c.id}`,
        createdAt: isoDate,
        updatedAt: isoDate,
      });
      expect((await stack.admin('GET', `/v1/campaigns/${c.id}`)).body).toEqual(c);
    });

    it('PATCH changes only the fields given', async () => {
      const c = await newCampaign({ clickLookbackHours: 72, costPerInstall: 2 });
      const res = await stack.admin('PATCH', `/v1/campaigns/${c.id}`, { status: 'paused', costPerInstall: 0.1234 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...c, status: 'paused', costPerInstall: 0.1234, updatedAt: isoDate });
    });

    it('clears the cost with null, on create and on PATCH', async () => {
      expect((await newCampaign({ costPerInstall: null })).costPerInstall).toBeNull();
      const c = await newCampaign({ costPerInstall: 3 });
      const res = await stack.admin('PATCH', `/v1/campaigns/${c.id}`, { costPerInstall: null });
      expect(res.status).toBe(200);
      expect(res.body.costPerInstall).toBeNull();
    });

    // A raw non-ASCII character cannot go out in a Location header; stored percent-encoded, the link works.
    it('stores a non-ASCII destination percent-encoded, and its tracking link redirects', async () => {
      const c = await newCampaign({ destinationUrl: 'https://例え.jp/café?c={click_id}' });
      expect(c.destinationUrl).toBe('https://%E4%BE%8B%E3%81%88.jp/caf%C3%A9?c={click_id}');
      expect(new URL(c.destinationUrl.replace('{click_id}', 'x')).hostname).toBe('xn--r8jz45g.jp');
      const res = await click(stack, c.id, 'click_id=n1');
      expect(res).toMatchObject({ status: 302, location: 'https://%E4%BE%8B%E3%81%88.jp/caf%C3%A9?c=n1' });
    });

    it('DELETE archives the campaign and its tracking link stops answering', async () => {
      const c = await newCampaign();
      expect((await click(stack, c.id, 'click_id=a')).status).toBe(302);
      const res = await stack.admin('DELETE', `/v1/campaigns/${c.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...c, status: 'archived', updatedAt: isoDate });
      expect((await stack.admin('GET', `/v1/campaigns/${c.id}`)).body.status).toBe('archived');
      expect((await click(stack, c.id, 'click_id=b')).status).toBe(404);
      const clicks = await stack.db.query('SELECT network_click_id FROM clicks WHERE campaign_id = $1', [c.id]);
      expect(clicks.rows).toEqual([{ network_click_id: 'a' }]);
    });

    it('filters the list by appId', async () => {
      const c = await newCampaign();
      const res = await stack.admin('GET', `/v1/campaigns?appId=${c.appId}`);
      expect(res.body).toEqual({ items: [c], nextCursor: null });
    });
  });

  describe.each([
    ['/v1/apps', () => newApp()],
    ['/v1/networks', () => newNetwork()],
    ['/v1/campaigns', () => newCampaign()],
  ])('%s pagination', (path, make) => {
    it('walks every page once, in creation order', async () => {
      const before = await stack.admin('GET', `${path}?limit=500`);
      for (let i = 0; i < 5; i++) await make();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await stack.admin(
          'GET',
          `${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((i) => i.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      const total = before.body.items.length + 5;
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(pages).toBe(Math.ceil(total / 2));
      expect((await stack.admin('GET', `${path}?limit=500`)).body.items.map((i: { id: string }) => i.id)).toEqual(seen);
    });
  });

  it.each([
    ['GET', '/v1/apps', 'app_not_found'],
    ['PATCH', '/v1/apps', 'app_not_found'],
    ['GET', '/v1/networks', 'network_not_found'],
    ['PATCH', '/v1/networks', 'network_not_found'],
    ['GET', '/v1/campaigns', 'campaign_not_found'],
    ['PATCH', '/v1/campaigns', 'campaign_not_found'],
    ['DELETE', '/v1/campaigns', 'campaign_not_found'],
    ['GET', '/v1/installs', 'install_not_found'],
  ])('%s %s/{unknown id} answers 404', async (method, path, code) => {
    const res = await stack.admin(method, `${path}/0190a0b0-0000-7000-8000-000000000000`, method === 'PATCH' ? { name: 'x' } : undefined);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('lists deliveries, and refuses an unknown kind', async () => {
    expect(await stack.admin('GET', '/v1/deliveries?kind=postback')).toEqual({ status: 200, body: { items: [], nextCursor: null } });
    const res = await stack.admin('GET', '/v1/deliveries?kind=bogus');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'invalid_field', message: expect.any(String), field: 'kind' } });
  });
});

describe('app fraud settings', () => {
  let stack: Stack;
  beforeAll(async () => (stack = await startStack({}, { worker: false })));
  afterAll(() => stack?.close());

  it('a partial fraudModes changes only the rules it names, on create and on PATCH', async () => {
    const created = await stack.admin('POST', '/v1/apps', {
      name: 'Modes',
      platform: 'android',
      bundleId: 'com.modes',
      fraudModes: { clickInjection: 'shadow' },
      ipBlocklist: ['203.0.113.9', '198.51.100.77/24'],
    });
    expect(created.body.fraudModes).toEqual({ clickInjection: 'shadow', clickFlooding: 'enforce', ipBlocklist: 'enforce', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' });
    expect(created.body.ipBlocklist).toEqual(['203.0.113.9/32', '198.51.100.0/24']);
    const patched = await stack.admin('PATCH', `/v1/apps/${created.body.id}`, { fraudModes: { clickFlooding: 'off' } });
    expect(patched.body.fraudModes).toEqual({ clickInjection: 'shadow', clickFlooding: 'off', ipBlocklist: 'enforce', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' });
  });

  it.each([[{ ipBlocklist: ['not-an-ip'] }], [{ ipBlocklist: ['010.1.2.3'] }], [{ fraudModes: { clickFlooding: 'sometimes' } }], [{ clickFloodThreshold: 0 }]])(
    'refuses %j',
    async (patch) => {
      const r = await stack.admin('POST', '/v1/apps', { name: 'Bad', platform: 'ios', bundleId: 'b', ...patch });
      expect(r.status).toBe(400);
    },
  );
});
