// Both OpenAPI documents are valid, name every route their process serves, and say what each operation takes and
// answers; then real answers of every admin operation (and the ingestion routes) are checked against them.
import SwaggerParser from '@apidevtools/swagger-parser';
import type { AddressInfo } from 'node:net';
import { createAdminApp } from '../apps/admin-api/src/admin.app';
import { leanInstanceOf } from '../apps/ingestion/src/ingestion.app';
import { signBody } from '../libs/domain/src';
import { clickIdFrom, type Fixture } from './support/fixtures';
import { Sink, waitFor } from './support/http';
import { OpenApiChecker, operationsOf, routesOf } from './support/openapi';
import { OWNER_KEY, startStack, type Stack } from './support/stack';

type Json = Record<string, any>;

const ERROR_REF = '#/components/schemas/ErrorResponse';

/** A real validator: the OpenAPI 3.0 schema of the document, every $ref resolved. */
const validateDocument = (doc: Json) => SwaggerParser.validate(structuredClone(doc) as never);

/** Served paths the document spells otherwise (Fastify's parameter is the whole segment). */
const SPELLED_AS: Record<string, string> = { 'GET /p/{file}': 'GET /p/{appId}.gif' };

function documentedRoutes(doc: Json): Set<string> {
  return new Set(operationsOf(doc).map((o) => `${o.method} ${o.path}`));
}

/**
 * Every route the app serves, but operators' UIs: the documentation's own (under /docs, unless the document lists
 * it) and the queue dashboard (@bull-board, behind the admin key, not part of the API).
 */
function servedRoutes(app: Stack['adminApp'], doc: Json): string[] {
  const documented = documentedRoutes(doc);
  // The tracking paths are served by a lean Fastify instance of their own beside Nest's (TRACKING_ROUTES=lean).
  const lean = leanInstanceOf(app);
  return [...routesOf(app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false })), ...(lean ? routesOf(lean.printRoutes({ commonPrefix: false })) : [])]
    .map((r) => SPELLED_AS[r] ?? r)
    .filter((r) => {
      const path = r.split(' ')[1];
      // /console is the web console's static files, not API (docs/console.md).
      return !path.startsWith('/queues') && !path.startsWith('/console') && (!path.startsWith('/docs') || documented.has(r));
    });
}

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref as string | undefined;
  return ref ? doc.components.schemas[ref.replace('#/components/schemas/', '')] : schema;
}

/** What the document lacks for each operation: a 2xx schema, a request schema, its parameters' schemas, its errors. */
function gaps(doc: Json, rules: { errorsFor: (o: { method: string; path: string; op: Json }) => string[] }): string[] {
  const out: string[] = [];
  for (const o of operationsOf(doc)) {
    const name = `${o.method} ${o.path}`;
    const responses = o.op.responses as Record<string, Json>;
    const success = Object.entries(responses).filter(([s]) => /^[23]/.test(s));
    if (success.length === 0) out.push(`${name}: no 2xx/3xx response`);
    for (const [status, r] of success) {
      if (status === '204' || status === '304' || status === '302') continue;
      const media = Object.entries((r.content ?? {}) as Record<string, Json>);
      if (media.length === 0) out.push(`${name} ${status}: no content`);
      for (const [type, m] of media) {
        const s = resolve(doc, m.schema);
        if (!s || (!s.type && !s.properties && !s.allOf)) out.push(`${name} ${status} ${type}: no schema`);
      }
    }
    const body = o.op.requestBody?.content?.['application/json']?.schema;
    if (o.op.requestBody && Object.keys(resolve(doc, body)?.properties ?? {}).length === 0) out.push(`${name}: request body without properties`);
    for (const p of o.op.parameters ?? []) if (!p.schema?.type) out.push(`${name}: parameter ${p.name} without a typed schema`);
    for (const [status, r] of Object.entries(responses)) {
      if (/^[45]/.test(status) && r.content?.['application/json']?.schema?.$ref !== ERROR_REF && o.path !== '/health') {
        out.push(`${name} ${status}: not the shared ErrorResponse`);
      }
    }
    for (const status of rules.errorsFor(o)) if (!responses[status]) out.push(`${name}: ${status} not documented`);
  }
  for (const [schemaName, s] of Object.entries(doc.components.schemas as Record<string, Json>)) {
    if (s.type === 'object' && Object.keys(s.properties ?? {}).length === 0 && !s.additionalProperties) out.push(`schema ${schemaName}: no properties`);
  }
  return out;
}

/** The errors every admin operation can give, from how the admin API works (see auth/api-key.guard.ts). */
function adminErrors(o: { method: string; path: string; op: Json }): string[] {
  if (!o.op.security) return [];
  const needed = ['401', '429'];
  const takesInput = (o.op.parameters ?? []).length > 0 || o.op.requestBody;
  if (takesInput) needed.push('400');
  if (/\{\w+\}/.test(o.path)) needed.push('404');
  if (o.method !== 'GET') needed.push('403');
  if (o.op.requestBody) needed.push('415');
  return needed;
}

describe('OpenAPI documents', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;
  let admin: Json;
  let ingestion: Json;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    stack = await startStack();
    admin = (await (await fetch(`${stack.adminUrl}/docs/json`)).json()) as Json;
    ingestion = (await (await fetch(`${stack.ingestionUrl}/docs/json`)).json()) as Json;
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  describe('admin document', () => {
    it('is a valid OpenAPI document with bearer auth and the error body', async () => {
      await validateDocument(admin);
      expect(admin.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(admin.components.schemas.ErrorResponse).toBeDefined();
    });

    it('documents every route the admin app serves, and none it does not', () => {
      const served = servedRoutes(stack.adminApp, admin);
      expect(served.length).toBeGreaterThan(35);
      const documented = documentedRoutes(admin);
      expect(served.filter((r) => !documented.has(r))).toEqual([]);
      expect([...documented].filter((r) => !served.includes(r))).toEqual([]);
    });

    it('gives every operation its request and response schemas, typed parameters and error answers', () => {
      expect(gaps(admin, { errorsFor: adminErrors })).toEqual([]);
      // The list parameters growth teams page and filter with.
      const query = (path: string) => admin.paths[path].get.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
      for (const path of ['/v1/apps', '/v1/networks', '/v1/campaigns', '/v1/api-keys', '/v1/audiences', '/v1/deliveries']) {
        expect(query(path)).toEqual(expect.arrayContaining(['limit', 'cursor']));
      }
      expect(query('/v1/deliveries')).toEqual(expect.arrayContaining(['kind', 'status', 'appId', 'subjectId']));
      expect(query('/v1/reports/campaigns')).toEqual(expect.arrayContaining(['appId', 'from', 'to', 'groupBy']));
      expect(query('/v1/reports/cohorts')).toEqual(expect.arrayContaining(['appId', 'from', 'to', 'days']));
      expect(query('/v1/exports/{kind}')).toEqual(expect.arrayContaining(['appId', 'from', 'to', 'format']));
      expect(admin.paths['/v1/campaigns/{id}'].patch.responses['409']).toBeDefined();
      expect(admin.paths['/v1/deliveries/{id}/retry'].post.responses['409']).toBeDefined();
      expect(admin.paths['/v1/api-keys/{id}'].delete.responses['409']).toBeDefined();
      expect(admin.paths['/v1/apps'].get.responses['429'].headers['Retry-After']).toBeDefined();
    });
  });

  describe('ingestion document', () => {
    it('is served at /docs/json and is a valid OpenAPI document', async () => {
      await validateDocument(ingestion);
      expect(ingestion.info.title).toBe('Lookback ingestion API');
    });

    it('documents every route ingestion serves, and none it does not', () => {
      const served = servedRoutes(stack.ingestionApp, ingestion);
      const documented = documentedRoutes(ingestion);
      expect(served.filter((r) => !documented.has(r))).toEqual([]);
      expect([...documented].filter((r) => !served.includes(r))).toEqual([]);
      for (const r of ['POST /v1/installs', 'POST /v1/events', 'POST /v1/events/batch', 'GET /p/{appId}.gif', 'GET /c/{campaignId}', 'GET /i/{campaignId}', 'GET /t.js', 'GET /health']) {
        expect(documented).toContain(r);
      }
    });

    it('says how a signed call is signed and what it answers', () => {
      const signed = (o: { op: Json }) => (o.op.parameters ?? []).some((p: Json) => p.in === 'header' && p.name === 'X-Lookback-Signature');
      expect(
        gaps(ingestion, {
          errorsFor: (o) => (signed(o) ? ['400', '401', '413', '415', '429', '503'] : []),
        }),
      ).toEqual([]);
      for (const [path, codes] of [
        ['/v1/installs', ['200', '202']],
        ['/v1/events', ['200', '202', '409']],
        ['/v1/events/batch', ['207']],
      ] as const) {
        const op = ingestion.paths[path].post;
        const header = op.parameters.find((p: Json) => p.name === 'X-Lookback-Signature');
        expect(header).toMatchObject({ in: 'header', required: true, schema: { pattern: '^sha256=[0-9a-fA-F]{64}$' } });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining([...codes]));
      }
      expect(ingestion.paths['/p/{appId}.gif'].get.responses['200'].content['image/gif']).toBeDefined();
      expect(ingestion.paths['/c/{campaignId}'].get.responses['302'].headers.Location).toBeDefined();
    });
  });

  describe('answers match the documents', () => {
    let adminDoc: OpenApiChecker;
    let ingestionDoc: OpenApiChecker;
    let f: Fixture;
    let readKey: string;
    const day = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString();
    const to = new Date(Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000).toISOString();
    const gaid = '38400000-8cf0-11bd-b23e-10b96e4000aa';
    let installId: string;

    beforeAll(() => {
      adminDoc = new OpenApiChecker(admin);
      ingestionDoc = new OpenApiChecker(ingestion);
    });

    /** Calls the admin API (owner key unless told; `null`: none) and checks the exchange against the document. */
    async function call(method: string, path: string, body?: unknown, opts: { key?: string | null; contentType?: string } = {}) {
      const key = opts.key === undefined ? OWNER_KEY : opts.key;
      const res = await fetch(`${stack.adminUrl}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type');
      const parsed = contentType?.startsWith('application/json') && text ? JSON.parse(text) : text;
      const problems = adminDoc.check({ method, url: path, requestBody: typeof body === 'string' ? undefined : body, status: res.status, contentType, body: parsed });
      expect({ call: `${method} ${path}`, problems }).toEqual({ call: `${method} ${path}`, problems: [] });
      return { status: res.status, body: parsed as any };
    }

    /** The same for ingestion; `body` is sent signed with the fixture app's secret. */
    async function ingest(method: string, path: string, body?: unknown, opts: { badInput?: boolean } = {}) {
      const raw = body === undefined ? undefined : JSON.stringify(body);
      const res = await fetch(`${stack.ingestionUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: raw === undefined ? {} : { 'content-type': 'application/json', 'x-lookback-signature': signBody(f.sdkSecret, raw) },
        body: raw,
      });
      const contentType = res.headers.get('content-type');
      const buffer = Buffer.from(await res.arrayBuffer());
      const parsed = contentType?.startsWith('application/json') ? JSON.parse(buffer.toString()) : undefined;
      // A body that is bad on purpose is not held to the request schema (its answer still is to the response's).
      const problems = ingestionDoc.check({ method, url: path, requestBody: opts.badInput ? undefined : body, status: res.status, contentType, body: parsed });
      expect({ call: `${method} ${path}`, problems }).toEqual({ call: `${method} ${path}`, problems: [] });
      return { status: res.status, body: parsed as any, headers: res.headers };
    }

    it('apps, networks and campaigns', async () => {
      const app = await call('POST', '/v1/apps', {
        name: 'Documented',
        platform: 'android',
        bundleId: 'com.example.documented',
        storeUrl: 'https://play.google.com/store/apps/details?id=com.example.documented',
        minCtitSeconds: 0,
        pixelEvents: ['purchase', 'page_view'],
        ipBlocklist: ['198.51.100.0/24'],
        fraudModes: { clickFlooding: 'shadow' },
        pixelMonitor: { webhookUrl: `${sinkUrl}/alert`, events: ['purchase'] },
      });
      expect(app.status).toBe(201);
      expect((await call('GET', '/v1/apps?limit=5')).status).toBe(200);
      expect((await call('GET', `/v1/apps/${app.body.id}`)).status).toBe(200);
      expect((await call('PATCH', `/v1/apps/${app.body.id}`, { reattributionDays: 30, storeUrl: null })).status).toBe(200);

      const network = await call('POST', '/v1/networks', {
        name: 'DocNet',
        installPostbackUrl: `${sinkUrl}/pb?click={click_id}&install={install_id}`,
        postbackEvents: ['purchase'],
        dedupesClickId: true,
      });
      expect(network.status).toBe(201);
      expect((await call('GET', '/v1/networks?limit=5')).status).toBe(200);
      expect((await call('GET', `/v1/networks/${network.body.id}`)).status).toBe(200);
      expect((await call('PATCH', `/v1/networks/${network.body.id}`, { eventPostbackUrl: `${sinkUrl}/ev?e={event_name}` })).status).toBe(200);

      const campaign = await call('POST', '/v1/campaigns', {
        appId: app.body.id,
        networkId: network.body.id,
        name: 'Documented winter',
        destinationUrl: 'https://play.google.com/store/apps/details?id=com.example.documented&referrer=lookback_click_id%3D{lookback_click_id}',
        costPerInstall: 1.25,
      });
      expect(campaign.status).toBe(201);
      expect((await call('GET', `/v1/campaigns?appId=${app.body.id}&limit=5`)).status).toBe(200);
      expect((await call('GET', `/v1/campaigns/${campaign.body.id}`)).status).toBe(200);
      expect((await call('PATCH', `/v1/campaigns/${campaign.body.id}`, { clickLookbackHours: 72, status: 'active' })).status).toBe(200);
      f = { appId: app.body.id, sdkSecret: app.body.sdkSecret, networkId: network.body.id, campaignId: campaign.body.id, trackingUrl: campaign.body.trackingUrl };
    });

    it('ingestion: a click, an impression, an install, events, a batch and pixel hits', async () => {
      const c = await ingest('GET', `/c/${f.campaignId}?gaid=${gaid}&click_id=net-1&sub1=a`);
      expect(c.status).toBe(302);
      clickIdFrom(c.headers.get('location')!);
      expect((await ingest('GET', `/c/0190f5c4-0000-7000-8000-00000000dead`)).status).toBe(404);
      expect((await ingest('GET', `/i/${f.campaignId}?gaid=${gaid}`)).status).toBe(200);
      sink.statusesFor.set('/pb', [500, 500, 500, 500]);
      const install = await ingest('POST', '/v1/installs', {
        appId: f.appId,
        installId: 'documented-1',
        installedAt: new Date(Date.now() + 1000).toISOString(),
        device: { gaid },
        consent: { attribution: true, retargeting: true },
        customerUserId: 'user-1',
      });
      expect(install.status).toBe(202);
      installId = install.body.id;
      expect((await ingest('POST', '/v1/installs', { appId: f.appId, installId: 'documented-1', installedAt: new Date().toISOString() })).status).toBe(200);
      const unsigned = await fetch(`${stack.ingestionUrl}/v1/installs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(ingestionDoc.check({ method: 'POST', url: '/v1/installs', status: unsigned.status, contentType: unsigned.headers.get('content-type'), body: await unsigned.json() })).toEqual([]);
      expect(unsigned.status).toBe(401);

      expect((await call('PUT', '/v1/fx-rates', { rates: { EUR: 1.08 } })).status).toBe(200);
      expect((await call('GET', '/v1/fx-rates')).status).toBe(200);
      const event = { appId: f.appId, eventId: 'order-1', installId: 'documented-1', name: 'purchase', occurredAt: new Date().toISOString(), revenue: 4.99, currency: 'EUR', properties: { sku: 'gems_100' } };
      expect((await ingest('POST', '/v1/events?debug=1', event)).status).toBe(202);
      expect((await ingest('POST', '/v1/events', event)).status).toBe(200);
      expect((await ingest('POST', '/v1/events', { ...event, revenue: 5.99 })).status).toBe(409);
      const batch = await ingest('POST', '/v1/events/batch', {
        events: [
          { appId: f.appId, eventId: 'order-2', installId: 'documented-1', name: 'purchase', occurredAt: new Date().toISOString(), revenue: 1, currency: 'USD' },
          { appId: f.appId, eventId: 'bad', installId: 'documented-1', name: 'bad name!', occurredAt: new Date().toISOString() },
        ],
      }, { badInput: true });
      expect(batch.status).toBe(207);
      expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([202, 400]);

      const gif = await ingest('GET', `/p/${f.appId}.gif?e=purchase&uid=user-1&v=9.90&cur=EUR&eid=web-1&debug=1`);
      expect(gif.status).toBe(200);
      expect(gif.headers.get('x-lookback-debug')).toContain('accepted');
      expect((await ingest('GET', `/p/${f.appId}.gif?e=not_accepted`)).status).toBe(200);
      expect((await ingest('GET', '/t.js')).status).toBe(200);
      expect((await ingest('GET', '/health')).status).toBe(200);
      expect((await ingest('GET', '/metrics')).status).toBe(200);
    });

    it('installs, deliveries and replay', async () => {
      const decided = await waitFor(async () => {
        const r = await call('GET', `/v1/installs/${installId}`);
        return r.body.status !== 'pending' ? r.body : undefined;
      }, 'the install decided');
      expect(decided.status).toBe('attributed');
      const failed = await waitFor(async () => {
        const r = await call('GET', `/v1/deliveries?appId=${f.appId}&kind=postback&status=failed&limit=10`);
        return r.body.items[0];
      }, 'a failed postback', 20_000);
      expect(failed.attemptLog.length).toBeGreaterThan(0);
      expect((await call('POST', `/v1/deliveries/${failed.id}/retry`)).status).toBe(200);
      expect((await call('POST', `/v1/deliveries/${failed.id}/retry`)).status).toBe(409);
      await waitFor(async () => (await call('GET', `/v1/deliveries?subjectId=${installId}`)).body.items[0]?.status === 'delivered', 'delivered after retry');

      const dry = await call('POST', '/v1/attribution/replay', { appId: f.appId, from, to, overrides: { fingerprintLookbackHours: 0, campaigns: { [f.campaignId]: { clickLookbackHours: 1 } } } });
      expect(dry.status).toBe(200);
      const run = await call('POST', '/v1/attribution/replay', { appId: f.appId, from, to, apply: true });
      expect(run.status).toBe(202);
      const done = await waitFor(async () => {
        const r = await call('GET', `/v1/attribution/replay/${run.body.id}`);
        return r.body.status === 'done' || r.body.status === 'failed' ? r.body : undefined;
      }, 'the replay run done', 20_000);
      expect(done.status).toBe('done');
    });

    it('reports, costs, cohorts and exports', async () => {
      expect((await call('PUT', `/v1/campaigns/${f.campaignId}/costs`, { costs: [{ date: day, amount: '12.50', currency: 'EUR' }] })).status).toBe(200);
      for (const groupBy of ['day', 'campaign', 'network', 'country', 'total']) {
        const report = await call('GET', `/v1/reports/campaigns?appId=${f.appId}&from=${from}&to=${to}&groupBy=${groupBy}`);
        expect(report.status).toBe(200);
        expect(report.body.rows.length).toBeGreaterThan(0);
      }
      const cohorts = await call('GET', `/v1/reports/cohorts?appId=${f.appId}&from=${from}&to=${to}&days=0,1,7`);
      expect(cohorts.status).toBe(200);
      expect(cohorts.body.rows.length).toBeGreaterThan(0);
      const csv = await call('GET', `/v1/exports/installs?appId=${f.appId}&from=${from}&to=${to}&format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.body).toContain('documented-1');
      const ndjson = await call('GET', `/v1/exports/events?appId=${f.appId}&from=${from}&to=${to}`);
      expect(ndjson.body).toContain('order-1');
      expect((await call('GET', `/v1/exports/clicks?appId=${f.appId}&from=${from}&to=${to}&format=ndjson`)).status).toBe(200);
    });

    it('pixel snippet and health', async () => {
      expect((await call('GET', `/v1/apps/${f.appId}/pixel`)).status).toBe(200);
      // Hit counters are flushed about once a second: wait until the rejected hit shows, with its reason.
      const health = await waitFor(async () => {
        const r = await call('GET', `/v1/apps/${f.appId}/pixel/health`);
        return r.body.events.some((e: { rejected: { lastDay: number } }) => e.rejected.lastDay > 0) ? r.body : undefined;
      }, 'the rejected pixel hit counted');
      expect(health.events.find((e: { name: string }) => e.name === 'purchase').monitor).not.toBeNull();
    });

    it('audiences', async () => {
      const rule = { all: [{ event: 'purchase', withinDays: 30, count: { gte: 1 } }, { installedWithinDays: 30 }] };
      expect((await call('POST', '/v1/audiences/preview', { appId: f.appId, rule: { event: 'purchase', withinDays: 30 } })).status).toBe(200);
      const audience = await call('POST', '/v1/audiences', { appId: f.appId, name: 'Buyers', rule: { event: 'purchase', withinDays: 30 }, webhookUrl: `${sinkUrl}/aud` });
      expect(audience.status).toBe(201);
      const id = audience.body.id;
      expect((await call('GET', `/v1/audiences?appId=${f.appId}&limit=5`)).status).toBe(200);
      await waitFor(async () => (await call('GET', `/v1/audiences/${id}`)).body.backfill.status === 'done', 'the back-fill');
      const members = await call('GET', `/v1/audiences/${id}/members?limit=10`);
      expect(members.body.items.length).toBeGreaterThan(0);
      expect((await call('PATCH', `/v1/audiences/${id}`, { name: 'Recent buyers', rule })).status).toBe(200);
      expect((await call('POST', `/v1/audiences/${id}/rotate-secret`)).status).toBe(200);
      expect((await call('DELETE', `/v1/audiences/${id}`)).status).toBe(204);
    });

    it('api keys and the errors a key meets', async () => {
      const created = await call('POST', '/v1/api-keys', { name: 'documented-read', scopes: ['read'], appIds: [f.appId] });
      expect(created.status).toBe(201);
      readKey = created.body.key;
      expect((await call('GET', '/v1/api-keys?limit=50')).status).toBe(200);
      expect((await call('GET', '/v1/apps', undefined, { key: null })).status).toBe(401);
      expect((await call('GET', '/v1/apps', undefined, { key: 'lbk_not-a-key' })).status).toBe(401);
      expect((await call('POST', '/v1/networks', { name: 'nope' }, { key: readKey })).status).toBe(403);
      expect((await call('GET', '/v1/api-keys', undefined, { key: readKey })).status).toBe(403);
      expect((await call('GET', '/v1/apps/0190f5c4-0000-7000-8000-00000000dead')).status).toBe(404);
      expect((await call('GET', '/v1/apps/not-an-id')).status).toBe(400);
      expect((await call('GET', `/v1/reports/campaigns?appId=${f.appId}&from=${to}&to=${from}`)).status).toBe(400);
      expect((await call('POST', '/v1/networks', 'name=x', { contentType: 'text/plain' })).status).toBe(415);
      expect((await call('DELETE', `/v1/api-keys/${created.body.id}`)).status).toBe(200);
      expect((await call('GET', '/v1/apps', undefined, { key: readKey })).status).toBe(401);
    });

    it('a rate-limited answer', async () => {
      // A second admin process counting against the same Redis, allowing one request a minute per key.
      const limited = await createAdminApp({ ...stack.config, rateLimitKeyPerMinute: 1 });
      await limited.listen({ port: 0, host: '127.0.0.1' });
      try {
        const url = `http://127.0.0.1:${(limited.getHttpServer().address() as AddressInfo).port}/v1/apps`;
        let res = await fetch(url, { headers: { authorization: `Bearer ${OWNER_KEY}` } });
        if (res.status === 200) res = await fetch(url, { headers: { authorization: `Bearer ${OWNER_KEY}` } });
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(adminDoc.check({ method: 'GET', url: '/v1/apps', status: 429, contentType: res.headers.get('content-type'), body: await res.json() })).toEqual([]);
      } finally {
        await limited.close();
      }
    });

    it('privacy erasure, archiving, health and metrics', async () => {
      const erased = await call('POST', '/v1/privacy/erasure', { appId: f.appId, device: { gaid }, customerUserId: 'user-1' });
      expect(erased.status).toBe(200);
      expect(erased.body.erased.installs).toBe(1);
      expect((await call('DELETE', `/v1/campaigns/${f.campaignId}`)).status).toBe(200);
      expect((await call('PATCH', `/v1/campaigns/${f.campaignId}`, { name: 'again' })).status).toBe(409);
      expect((await call('GET', '/health', undefined, { key: null })).status).toBe(200);
      expect((await call('GET', '/metrics', undefined, { key: null })).status).toBe(200);
    });

    it('exercised every admin operation with a documented success', () => {
      const succeeded = new Set([...adminDoc.seen].filter((s) => /\s2\d\d$/.test(s)).map((s) => s.replace(/\s\d+$/, '')));
      const missing = operationsOf(admin).map((o) => `${o.method} ${o.path}`).filter((o) => !succeeded.has(o));
      expect(missing).toEqual([]);
    });
  });
});
