// Bad input to the admin API: always a 4xx with the contract's error body naming the field, never a 5xx.
import { OWNER_KEY, startStack, type Stack } from './support/stack';

const UNKNOWN = '0190a0b0-0000-7000-8000-000000000000';
const ANY_CODE = expect.stringMatching(/^[a-z]+(_[a-z]+)*$/);

describe('admin API input validation', () => {
  let stack: Stack;
  let appId: string;
  let networkId: string;
  let campaignId: string;
  const statuses: number[] = [];

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    appId = (await stack.admin('POST', '/v1/apps', { name: 'A', platform: 'web', bundleId: 'example.com' })).body.id;
    networkId = (await stack.admin('POST', '/v1/networks', { name: 'N' })).body.id;
    campaignId = (await stack.admin('POST', '/v1/campaigns', { appId, networkId, name: 'C', destinationUrl: 'https://example.com/' })).body.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Sends a raw body with the owner key; answers status and parsed body. */
  async function send(method: string, path: string, body?: string, contentType = 'application/json') {
    const res = await fetch(`${stack.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${OWNER_KEY}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body,
    });
    statuses.push(res.status);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(text) };
  }

  function expectError(res: { status: number; body: unknown }, status: number, code: unknown, field?: string) {
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: { error: { code, message: expect.stringMatching(/\w/), ...(field ? { field } : {}) } },
    });
  }

  const app = (o: Record<string, unknown>) => ({ name: 'A', platform: 'ios', bundleId: 'com.a', ...o });
  const campaign = (o: Record<string, unknown>) => ({ appId, networkId, name: 'C', destinationUrl: 'https://example.com/', ...o });
  const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

  describe.each([
    // [what, path, body, field]
    ['app without a name', '/v1/apps', () => without(app({}), 'name'), 'name'],
    ['app without a platform', '/v1/apps', () => without(app({}), 'platform'), 'platform'],
    ['app without a bundleId', '/v1/apps', () => without(app({}), 'bundleId'), 'bundleId'],
    ['app with a numeric name', '/v1/apps', () => app({ name: 123 }), 'name'],
    ['app with an empty name', '/v1/apps', () => app({ name: '' }), 'name'],
    ['app with a 201-character name', '/v1/apps', () => app({ name: 'x'.repeat(201) }), 'name'],
    ['app with an unknown field', '/v1/apps', () => app({ sdkSecret: 'mine' }), 'sdkSecret'],
    ['app on platform windows', '/v1/apps', () => app({ platform: 'windows' }), 'platform'],
    ['app with a javascript: store URL', '/v1/apps', () => app({ storeUrl: 'javascript:alert(1)' }), 'storeUrl'],
    ['app with a negative minCtitSeconds', '/v1/apps', () => app({ minCtitSeconds: -1 }), 'minCtitSeconds'],
    ['app with a fractional reattributionDays', '/v1/apps', () => app({ reattributionDays: 1.5 }), 'reattributionDays'],
    ['app with a string reattributionDays', '/v1/apps', () => app({ reattributionDays: '30' }), 'reattributionDays'],
    ['app with a bad pixel event name', '/v1/apps', () => app({ pixelEvents: ['no spaces'] }), 'pixelEvents'],
    ['network without a name', '/v1/networks', () => ({}), 'name'],
    ['network with an ftp postback', '/v1/networks', () => ({ name: 'N', installPostbackUrl: 'ftp://x.example/' }), 'installPostbackUrl'],
    ['network with a host-less postback', '/v1/networks', () => ({ name: 'N', eventPostbackUrl: 'https://' }), 'eventPostbackUrl'],
    ['network with postbackEvents not a list', '/v1/networks', () => ({ name: 'N', postbackEvents: 'purchase' }), 'postbackEvents'],
    ['campaign without an appId', '/v1/campaigns', () => without(campaign({}), 'appId'), 'appId'],
    ['campaign without a destinationUrl', '/v1/campaigns', () => without(campaign({}), 'destinationUrl'), 'destinationUrl'],
    ['campaign with a malformed appId', '/v1/campaigns', () => campaign({ appId: 'abc' }), 'appId'],
    ['campaign with a javascript: destination', '/v1/campaigns', () => campaign({ destinationUrl: 'javascript:alert(1)' }), 'destinationUrl'],
    ['campaign with a destination that is no URL', '/v1/campaigns', () => campaign({ destinationUrl: 'not a url' }), 'destinationUrl'],
    ['campaign with a newline in the destination', '/v1/campaigns', () => campaign({ destinationUrl: 'https://e.com/\r\nSet-Cookie: a=b' }), 'destinationUrl'],
    ['campaign with a lone surrogate in the destination', '/v1/campaigns', () => campaign({ destinationUrl: 'https://e.com/\ud800' }), 'destinationUrl'],
    ['campaign with a space before the destination', '/v1/campaigns', () => campaign({ destinationUrl: ' https://e.com/' }), 'destinationUrl'],
    ['campaign with a NUL in its name', '/v1/campaigns', () => campaign({ name: 'a\u0000b' }), 'name'],
    ['campaign with a 3000-character destination', '/v1/campaigns', () => campaign({ destinationUrl: `https://e.com/${'a'.repeat(3000)}` }), 'destinationUrl'],
    ['campaign created archived', '/v1/campaigns', () => campaign({ status: 'archived' }), 'status'],
    ['campaign with a negative click lookback', '/v1/campaigns', () => campaign({ clickLookbackHours: -1 }), 'clickLookbackHours'],
    ['campaign with a too-large click lookback', '/v1/campaigns', () => campaign({ clickLookbackHours: 2161 }), 'clickLookbackHours'],
    ['campaign with a too-large view lookback', '/v1/campaigns', () => campaign({ viewLookbackHours: 721 }), 'viewLookbackHours'],
    ['campaign with a negative fingerprint lookback', '/v1/campaigns', () => campaign({ fingerprintLookbackHours: -24 }), 'fingerprintLookbackHours'],
    ['campaign with a 5-decimal cost', '/v1/campaigns', () => campaign({ costPerInstall: 1.12345 }), 'costPerInstall'],
    ['campaign with a negative cost', '/v1/campaigns', () => campaign({ costPerInstall: -1 }), 'costPerInstall'],
    ['campaign with a string cost', '/v1/campaigns', () => campaign({ costPerInstall: '1.00' }), 'costPerInstall'],
    ['campaign with a tiny exponent cost', '/v1/campaigns', () => campaign({ costPerInstall: 1e-7 }), 'costPerInstall'],
  ])('POST: %s', (_what, path, body, field) => {
    it(`answers 400 naming ${field}`, async () => {
      expectError(await send('POST', path, JSON.stringify(body())), 400, 'invalid_field', field);
    });
  });

  it.each([
    ['app', '/v1/apps', { platform: 'windows' }, 'platform'],
    ['app', '/v1/apps', { name: null }, 'name'],
    ['app', '/v1/apps', { bundleId: null }, 'bundleId'],
    ['network', '/v1/networks', { name: null }, 'name'],
    ['campaign', '/v1/campaigns', { appId: UNKNOWN }, 'appId'],
    ['campaign', '/v1/campaigns', { status: 'archived' }, 'status'],
    ['campaign', '/v1/campaigns', { name: null }, 'name'],
    ['campaign', '/v1/campaigns', { clickLookbackHours: null }, 'clickLookbackHours'],
    ['campaign', '/v1/campaigns', { destinationUrl: 'not a url' }, 'destinationUrl'],
  ])('PATCH %s %j answers 400', async (kind, path, body, field) => {
    const id = { app: () => appId, network: () => networkId, campaign: () => campaignId }[kind]!();
    const before = await stack.admin('GET', `${path}/${id}`);
    expectError(await send('PATCH', `${path}/${id}`, JSON.stringify(body)), 400, 'invalid_field', field);
    expect(await stack.admin('GET', `${path}/${id}`)).toEqual(before);
  });

  it.each([
    ['POST /v1/campaigns', { networkId: UNKNOWN }, 'network_not_found', 'networkId'],
    ['POST /v1/campaigns', { appId: UNKNOWN }, 'app_not_found', 'appId'],
  ])('%s with %j answers 404 naming the field', async (_what, o, code, field) => {
    expectError(await send('POST', '/v1/campaigns', JSON.stringify(campaign(o))), 404, code, field);
  });

  it.each([
    ['/v1/apps?limit=0', 'limit'],
    ['/v1/apps?limit=501', 'limit'],
    ['/v1/apps?limit=ten', 'limit'],
    ['/v1/networks?limit=1.5', 'limit'],
    ['/v1/campaigns?cursor=not-a-uuid', 'cursor'],
    ['/v1/campaigns?appId=nope', 'appId'],
    ['/v1/apps?sort=name', 'sort'],
    ['/v1/deliveries?status=lost', 'status'],
  ])('GET %s answers 400', async (path, field) => {
    expectError(await send('GET', path), 400, 'invalid_field', field);
  });

  it.each(['GET /v1/apps', 'PATCH /v1/networks', 'GET /v1/campaigns', 'DELETE /v1/campaigns', 'GET /v1/installs'])(
    '%s/{malformed id} answers 400 naming id',
    async (route) => {
      const [method, path] = route.split(' ');
      expectError(await send(method, `${path}/not-a-uuid`, method === 'PATCH' ? '{}' : undefined), 400, 'invalid_id', 'id');
    },
  );

  // How the JSON parser words its complaint is not the contract; the status and the body's shape are.
  it.each([
    ['malformed JSON', 400, ANY_CODE, '{"name": "A",', 'application/json'],
    ['an empty JSON body', 400, ANY_CODE, '', 'application/json'],
    ['a JSON array', 400, 'invalid_body', '[]', 'application/json'],
    ['JSON null', 400, 'invalid_body', 'null', 'application/json'],
    ['a JSON string', 400, 'invalid_body', '"A"', 'application/json'],
    ['a form body', 415, 'unsupported_media_type', 'name=A&platform=ios&bundleId=x', 'application/x-www-form-urlencoded'],
    ['a JSON body sent as text/plain', 415, 'unsupported_media_type', JSON.stringify(app({})), 'text/plain'],
    ['a JSON body sent as XML', 415, 'unsupported_media_type', JSON.stringify(app({})), 'application/xml'],
  ])('POST /v1/apps with %s answers %i', async (_what, status, code, body, type) => {
    const res = await send('POST', '/v1/apps', body, type);
    expectError(res, status, code);
    expect(res.type).toMatch(/^application\/json/);
  });

  it('answers 400 to bodies nested thousands deep or holding lone surrogates, naming the field', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    expectError(await send('POST', '/v1/networks', `{"name":"N","postbackEvents":${deep}}`), 400, 'invalid_field', 'postbackEvents');
    expectError(await send('PATCH', `/v1/apps/${appId}`, `{"name":"x\\udbff"}`), 400, 'invalid_field', 'name');
    expectError(await send('POST', '/v1/campaigns', JSON.stringify({ appId, networkId, name: '\udc00', destinationUrl: 'https://example.com/' })), 400, 'invalid_field', 'name');
  });

  it('answers 413 to a body over the limit', async () => {
    expectError(await send('POST', '/v1/apps', JSON.stringify(app({ name: 'x'.repeat(2_000_000) }))), 413, 'body_too_large');
  });

  it('never answered a 5xx to any of the above', () => {
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
