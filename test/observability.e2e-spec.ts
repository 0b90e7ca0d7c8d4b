import { postSigned, waitFor } from './support/http';
import { click, createFixture, type Fixture } from './support/fixtures';
import { OWNER_KEY, startStack, type Stack } from './support/stack';

/** What an operator reads: request ids, per-route request metrics, queue depth and job times, the queue dashboard. */
describe('observability', () => {
  let stack: Stack;
  let f: Fixture;

  beforeAll(async () => {
    stack = await startStack();
    f = await createFixture(stack);
  });
  afterAll(() => stack?.close());

  const metricsOf = async (url: string) => (await fetch(`${url}/metrics`)).text();
  /** The value of one series, e.g. `lookback_http_requests_total{method="GET",route="/c/:campaignId",status="302"}`. */
  const value = (text: string, name: string, labels: Record<string, string>) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('echoes a sane X-Request-Id, and makes one for a missing or unusable one, on every app and route kind', async () => {
    for (const url of [`${stack.adminUrl}/health`, `${stack.ingestionUrl}/health`, `${stack.ingestionUrl}/c/${f.campaignId}`, `${stack.ingestionUrl}/p/${f.appId}.gif?e=x`]) {
      const given = await fetch(url, { headers: { 'x-request-id': 'req-42.a:b' }, redirect: 'manual' });
      expect(given.headers.get('x-request-id')).toBe('req-42.a:b');
      const made = await fetch(url, { redirect: 'manual' });
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const odd = await fetch(url, { headers: { 'x-request-id': 'x'.repeat(200) }, redirect: 'manual' });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('counts requests and their latency per route pattern, never per raw URL', async () => {
    const before = value(await metricsOf(stack.ingestionUrl), 'lookback_http_requests_total', { route: '/c/:campaignId', status: '302' }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await click(stack, f.campaignId, `n=${i}`)).status).toBe(302);
    const text = await metricsOf(stack.ingestionUrl);
    expect(value(text, 'lookback_http_requests_total', { method: 'GET', route: '/c/:campaignId', status: '302' })).toBe(before + 3);
    expect(value(text, 'lookback_http_request_duration_seconds_count', { method: 'GET', route: '/c/:campaignId' })).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain(f.campaignId);
    await fetch(`${stack.adminUrl}/v1/nothing-here/${f.appId}`, { headers: { authorization: `Bearer ${OWNER_KEY}` } });
    expect(await metricsOf(stack.adminUrl)).not.toContain(f.appId);
  });

  it('the worker shows queue depth per state, job durations, install-to-decision latency and final delivery outcomes', async () => {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, { appId: f.appId, installId: 'obs-1', installedAt: new Date().toISOString() });
    expect(res.status).toBe(202);
    const text = await waitFor(async () => {
      const t = await metricsOf(stack.workerHealthUrl);
      return (value(t, 'lookback_job_duration_seconds_count', { queue: 'attribution', name: 'attribute-install', result: 'completed' }) ?? 0) >= 1 ? t : undefined;
    }, 'a completed attribution job in the metrics');
    for (const queue of ['attribution', 'deliveries', 'events']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(value(text, 'lookback_queue_jobs', { queue, state })).toEqual(expect.any(Number));
    }
    expect(text).toMatch(/^lookback_install_decision_latency_seconds_count \d+/m);
  });

  it('every metric follows the Prometheus naming rules (counters end in _total, nothing else does)', async () => {
    for (const url of [stack.ingestionUrl, stack.adminUrl, stack.workerHealthUrl]) {
      const text = await metricsOf(url);
      const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name, type }));
      expect(types.length).toBeGreaterThan(10);
      for (const { name, type } of types) {
        expect(name).toMatch(/^[a-z_:][a-z0-9_:]*$/);
        if (type === 'counter') expect(name).toMatch(/_total$/);
        else expect(name).not.toMatch(/_total$/);
      }
      expect(text).toMatch(/^# HELP /m);
    }
  });

  it('the queue dashboard at /queues lets only the admin key in (Bearer or Basic)', async () => {
    expect((await fetch(`${stack.adminUrl}/queues`)).status).toBe(401);
    const wrong = await fetch(`${stack.adminUrl}/queues`, { headers: { authorization: 'Bearer not-the-key' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const keyOfApp = await stack.admin('POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] });
    expect((await fetch(`${stack.adminUrl}/queues`, { headers: { authorization: `Bearer ${keyOfApp.body.key}` } })).status).toBe(401);
    const page = await fetch(`${stack.adminUrl}/queues`, { headers: { authorization: `Bearer ${OWNER_KEY}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const basic = `Basic ${Buffer.from(`ops:${OWNER_KEY}`).toString('base64')}`;
    const api = await fetch(`${stack.adminUrl}/queues/api/queues`, { headers: { authorization: basic } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['attribution', 'deliveries', 'events']);
  });
});
