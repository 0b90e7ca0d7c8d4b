// Admin API keys and scopes: who may call what, and the routes that need no key.
import { startStack, type Stack } from './support/stack';

const errorBody = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('admin API authentication and scopes', () => {
  let stack: Stack;
  let readKey: string;
  let writeKey: string;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    const read = await stack.admin('POST', '/v1/api-keys', { name: 'dashboard', scopes: ['read'] });
    const write = await stack.admin('POST', '/v1/api-keys', { name: 'ci', scopes: ['read', 'write'] });
    readKey = read.body.key;
    writeKey = write.body.key;
  });
  afterAll(() => stack?.close());

  async function raw(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${stack.adminUrl}${path}`, { headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  it.each([
    ['no Authorization header', {}, 'missing_api_key'],
    ['a non-Bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'missing_api_key'],
    ['an unknown key', { authorization: 'Bearer lbk_not-a-real-key' }, 'invalid_api_key'],
    ['an empty Bearer', { authorization: 'Bearer ' }, 'missing_api_key'],
  ])('answers 401 with the error body for %s', async (_what, headers, code) => {
    const res = await raw('/v1/apps', headers);
    expect(res.status).toBe(401);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual(errorBody(code));
  });

  it('hands out a plain key once, stores only its hash, and the key works', async () => {
    const res = await stack.admin('POST', '/v1/api-keys', { name: 'reporting', scopes: ['read'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), name: 'reporting', scopes: ['read'], appIds: null, key: expect.any(String), createdAt: expect.any(String) });
    const stored = await stack.db.query('SELECT * FROM api_keys WHERE id = $1', [res.body.id]);
    expect(JSON.stringify(stored.rows)).not.toContain(res.body.key);
    expect((await stack.admin('GET', '/v1/apps', undefined, res.body.key)).status).toBe(200);
    // Nothing answers the key again.
    expect((await stack.admin('GET', `/v1/api-keys/${res.body.id}`)).status).toBe(404);
  });

  it('lets a read key GET but not change anything', async () => {
    const app = await stack.admin('POST', '/v1/apps', { name: 'A', platform: 'ios', bundleId: 'com.a' });
    expect((await stack.admin('GET', '/v1/apps', undefined, readKey)).status).toBe(200);
    expect((await stack.admin('GET', `/v1/apps/${app.body.id}`, undefined, readKey)).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/apps', { name: 'B', platform: 'ios', bundleId: 'com.b' }],
      ['PATCH', `/v1/apps/${app.body.id}`, { name: 'renamed' }],
      ['POST', '/v1/networks', { name: 'N' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await stack.admin(method, path, body, readKey);
      expect({ method, path, status: res.status, body: res.body }).toEqual({ method, path, status: 403, body: errorBody('insufficient_scope') });
    }
    expect((await stack.admin('GET', `/v1/apps/${app.body.id}`)).body.name).toBe('A');
  });

  it('lets a write-only key read as well (write implies read)', async () => {
    const only = await stack.admin('POST', '/v1/api-keys', { name: 'writer', scopes: ['write'] });
    expect((await stack.admin('GET', '/v1/networks', undefined, only.body.key)).status).toBe(200);
  });

  it('lets a write key change things', async () => {
    expect((await stack.admin('POST', '/v1/networks', { name: 'N' }, writeKey)).status).toBe(201);
  });

  it.each([
    ['read', () => readKey],
    ['write', () => writeKey],
  ])('refuses a %s key creating API keys (owner only)', async (_scope, key) => {
    const res = await stack.admin('POST', '/v1/api-keys', { name: 'escalate', scopes: ['write'] }, key());
    expect(res.status).toBe(403);
    expect(res.body).toEqual(errorBody('insufficient_scope'));
  });

  it.each([
    [{ name: 'x', scopes: ['owner'] }, 'scopes'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: 'read' }, 'scopes'],
    [{ scopes: ['read'] }, 'name'],
  ])('refuses an API key body %j', async (body, field) => {
    const res = await stack.admin('POST', '/v1/api-keys', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'invalid_field', message: expect.any(String), field } });
  });

  it('serves /health, /docs and /docs/json without a key', async () => {
    const health = await raw('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok', db: 'up', redis: 'up', countryDb: { name: 'dbip-country', version: expect.any(String), builtAt: expect.any(String) } });
    const docs = await raw('/docs');
    expect(docs.status).toBe(200);
    expect(docs.type).toMatch(/text\/html/);
    expect(docs.text).toMatch(/swagger/i);
    const json = await raw('/docs/json');
    expect(json.status).toBe(200);
    const spec = JSON.parse(json.text);
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/apps', '/v1/apps/{id}', '/v1/campaigns/{id}', '/v1/api-keys']));
  });
});
