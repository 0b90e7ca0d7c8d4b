// Generated hostile input at every ingestion and admin endpoint: never a 5xx, every 4xx the contract's error body,
// nothing stored or changed by a request that was refused, every process healthy afterwards.
// Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npm test -- test/fuzz.e2e-spec.ts
// (FUZZ_SCALE=10 runs ten times as many cases).
import fc from 'fast-check';
import { DEEP, postSigned, waitFor, withDeep } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { OWNER_KEY, startStack, type Stack } from './support/stack';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Stops at the first failure (a request per case makes shrinking slow) and reports it with the seed, briefly. */
const runs = (n: number): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns: Math.max(1, Math.round(n * SCALE)),
  endOnFailure: true,
  reporter: (run) => {
    if (!run.failed) return;
    const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
    throw new Error(`failed after ${run.numRuns} cases; reproduce with FUZZ_SEED=${run.seed} (path ${run.counterexamplePath})\n${cause}`);
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

/** A number written into the JSON text as is: `-0`, `1e400` or 2^64 do not survive JSON.stringify. */
class RawNumber {
  constructor(readonly text: string) {}
  toString() {
    return this.text;
  }
}

/** An object that owns the given keys, `__proto__` included (a literal or an assignment would set the prototype). */
function own(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** The JSON text of a generated body: raw numbers spliced in, and `DEEP` (at most one) expanded by `withDeep`. */
function serialize(body: unknown, depth?: number): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_k, v: unknown) => (v instanceof RawNumber ? `@@raw${raws.push(v.text) - 1}@@` : v));
  const spliced = (text ?? 'null').replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)]);
  return depth === undefined ? spliced : spliced.replace(`"${DEEP}"`, withDeep(DEEP, depth));
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
/** Text PostgreSQL cannot store as sent: lone UTF-16 surrogates and NUL. */
const unstorable = fc
  .tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\ud800', '\udfff', '\udbff', '\udc00\ud800', '\u0000', '\u0000\u0000'), fc.string({ maxLength: 4 }))
  .map(([a, s, b]) => a + s + b);
const longString = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '\u202e'), fc.constantFrom(129, 257, 1025, 2049, 5000, 70_000))
  .map(([c, n]) => c.repeat(n));
const oddString = fc.constantFrom(
  '', ' ', '\t\r\n', '😀👨‍👩‍👧', '\u202eevil', 'null', 'true', '0', '-0', '1e308', 'NaN', 'Infinity', ...PROTO_KEYS,
  '%00', '%ED%A0%80', '../../../etc/passwd', "' OR 1=1 --", '{click_id}', 'https://evil.example/', 'javascript:alert(1)',
  '00000000-0000-0000-0000-000000000000', '0190f5c4-0000-7000-8000-00000000ffff', 'fe80::1%eth0', '::ffff:127.0.0.1',
  '2026-02-30T25:61:61Z', '2026-11-30T10:00:00', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z',
);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  unstorable,
  longString,
  oddString,
);
const hugeNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 64, -(2 ** 63), 2 ** 53 + 2, 5e-324, 0.1, -1, 0, 1e21, 4.99),
  fc.constantFrom('-0', '1e400', '-1e400', '18446744073709551616', '-9223372036854775809', '1e-400', '123456789012345678901234567890.5').map((t) => new RawNumber(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const hostileKey = fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString.filter((s) => s.length < 300));
/** Thousands of keys in one object. */
const wide = fc
  .tuple(fc.integer({ min: 1000, max: 6000 }), fc.constantFrom(0, 'v', true))
  .map(([n, v]) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, v])));

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hugeNumber,
    fc.constantFrom(true, false, null),
    tie('array'),
    tie('object'),
    wide,
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(own),
})).value;

/** A value of another JSON type than `v` (never null: an optional field may take null). */
function wrongTypeFor(v: unknown): fc.Arbitrary<unknown> {
  const object = fc.oneof(fc.constant({}), fc.constant(own([['__proto__', { admin: true }]])), fc.constant({ a: 1 }));
  const array = fc.oneof(fc.constant([]), fc.constant([v]), fc.constant([1, 'a']));
  if (typeof v === 'string' || typeof v === 'number') return fc.oneof(object, array, fc.boolean());
  if (typeof v === 'boolean') return fc.oneof(object, array, fc.constantFrom('true', 'yes', 1, 0));
  if (Array.isArray(v)) return fc.oneof(object, fc.constantFrom('a', 1, true));
  return fc.oneof(array, fc.constantFrom('{}', 1, true));
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies: a valid seed, broken in one way that must be refused, or anything at all

type Path = Array<string | number>;

interface Sent {
  /** What was done to the seed, for the failure report. */
  how: string;
  body: unknown;
  depth?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields whose content is free-form by contract (an event's properties): a type there is not wrong. */
const FREE_FORM = new Set(['properties']);

function leaves(v: unknown, path: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (isObject(v)) return Object.entries(v).flatMap(([k, x]) => (FREE_FORM.has(k) ? [] : leaves(x, [...path, k])));
  return [path];
}

function objects(v: unknown, path: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => objects(x, [...path, i]));
  if (isObject(v)) return [path, ...Object.entries(v).flatMap(([k, x]) => objects(x, [...path, k]))];
  return [];
}

const getAt = (v: unknown, path: Path): unknown => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);

/** A copy of `seed` with `value` at `path` (the copy keeps own `__proto__` keys as keys). */
function setAt(seed: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  if (!isObject(seed) && !Array.isArray(seed)) return setAt({}, path, value);
  if (Array.isArray(seed)) return seed.map((x, i) => (i === k ? setAt(x, rest, value) : x));
  const o = own(Object.entries(seed as Record<string, unknown>));
  Object.defineProperty(o, k, { value: setAt(o[k as string], rest, value), enumerable: true, writable: true, configurable: true });
  return o;
}

const show = (p: Path) => p.join('.') || '(body)';

/** `seed` broken in exactly one way that the contract refuses whatever the endpoint. */
function invalidBody(seed: Record<string, unknown>): fc.Arbitrary<Sent> {
  const known = new Set(Object.keys(seed));
  const leafPaths = leaves(seed).filter((p) => p.length > 0);
  const objectPaths = objects(seed);
  const kinds: Array<fc.Arbitrary<Sent>> = [
    fc
      .tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ minLength: 1, maxLength: 20 })), hostileValue)
      .filter(([k]) => !known.has(k))
      .map(([k, v]) => ({ how: `unknown key ${JSON.stringify(k)}`, body: own([...Object.entries(seed), [k, v]]) })),
    fc.tuple(fc.constantFrom(...objectPaths), wide).map(([p, w]) => ({
      how: `thousands of keys at ${show(p)}`,
      body: setAt(seed, p, own([...Object.entries(getAt(seed, p) as object), ...Object.entries(w)])),
    })),
    fc
      .tuple(fc.constantFrom<Path | 'new'>(...leafPaths, ...objectPaths.filter((p) => p.length > 0), 'new'), fc.integer({ min: 33, max: 5000 }))
      .map(([p, depth]) => ({ how: `nested ${depth} deep at ${p === 'new' ? 'a new key' : show(p)}`, body: setAt(seed, p === 'new' ? ['deep'] : p, DEEP), depth })),
    fc.tuple(fc.constantFrom(...objectPaths), unstorable, hostileValue).map(([p, key, v]) => ({
      how: `unstorable key at ${show(p)}`,
      body: setAt(seed, p, own([...Object.entries(getAt(seed, p) as object), [key, v]])),
    })),
    fc.constantFrom<unknown>([seed], [], 'text', 42, true, null).map((body) => ({ how: 'not an object', body })),
  ];
  if (leafPaths.length > 0) {
    kinds.push(
      fc.constantFrom(...leafPaths).chain((p) =>
        fc.oneof(
          unstorable.map((s) => ({ how: `unstorable text at ${show(p)}`, body: setAt(seed, p, s) })),
          wrongTypeFor(getAt(seed, p)).map((v) => ({ how: `wrong type at ${show(p)}`, body: setAt(seed, p, v) })),
        ),
      ),
    );
  }
  return fc.oneof(...kinds);
}

/** `seed` with hostile values anywhere, or something else entirely; may be valid. */
function anyBody(seed: Record<string, unknown>): fc.Arbitrary<Sent> {
  const paths = [...leaves(seed), ...objects(seed)].filter((p) => p.length > 0);
  const found = leaves(seed).filter((p) => typeof getAt(seed, p) === 'string');
  const textLeaves: Path[] = found.length > 0 ? found : [['text']];
  return fc.oneof(
    fc
      .array(fc.tuple(fc.constantFrom<Path | 'top'>(...paths, 'top'), hostileKey, hostileValue), { minLength: 1, maxLength: 3 })
      .map((changes) => ({
        how: 'hostile values at ' + changes.map(([p, k]) => (p === 'top' ? JSON.stringify(k) : show(p))).join(', '),
        body: changes.reduce<unknown>((b, [p, k, v]) => setAt(b, p === 'top' ? [k] : p, v), seed),
      })),
    // Text that is valid but unusual (any script, emoji, RTL marks) where text goes: mostly accepted, so the
    // storing and answering paths see it too, not only validation.
    fc
      .tuple(fc.constantFrom(...textLeaves), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }))
      .map(([p, text]) => ({ how: `unusual text at ${show(p)}`, body: setAt(seed, p, text) })),
    hostileValue.map((body) => ({ how: 'any value', body })),
    invalidBody(seed),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Query strings and path segments, as raw URL text

/** Raw URL text: percent-encoded text, or escapes no decoder should trust (bad UTF-8, overlong NUL, dots, slashes). */
const urlFragment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileString.filter((s) => s.length < 1000 && !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))).map((s) => encodeURIComponent(s)), weight: 10 },
  // Rare: each makes the request line too long, answered 431 before any route runs.
  { arbitrary: fc.constantFrom('%F0%9F%98%80'.repeat(2000), 'a'.repeat(20_000)), weight: 1 },
  { arbitrary: fc.constantFrom('%', '%z', '%zz', '%ED%A0%80', '%ED%B0%80', '%00', '%C0%80', '%FF%FE', '%F4%90%80%80', '..', '%2e%2e', '%2F', '%5C',
    '%25', '+', '%u0000', '[]', ';', '%0d%0a', '%22', '%3Cscript%3E', 'a'.repeat(600), '%E2%80%AE', '1e308', '-0', '18446744073709551616'), weight: 10 },
);

type QueryValue = (name: string) => fc.Arbitrary<string>;

/** Known parameters with good or hostile values, hostile parameter names, repeats and bracket syntax. */
function hostileQuery(names: string[], good: QueryValue): fc.Arbitrary<string> {
  const known = names.length > 0 ? fc.constantFrom(...names) : fc.constant('q');
  const pair = fc.oneof(
    known.chain((n) => fc.oneof(good(n), urlFragment).map((v) => `${n}=${v}`)),
    known.chain((n) => fc.constantFrom(`${n}`, `${n}=`, `${n}[]=1`, `${n}[a]=1`, `${n}[__proto__]=1`, `${n}=1&${n}=2`)),
    fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS, 'constructor[prototype]', '__proto__[admin]'), urlFragment), urlFragment).map(([k, v]) => `${k}=${v}`),
    fc.constantFrom('&&', '=', '==', '&=&', 'x='.padEnd(4000, 'y')),
  );
  return fc.array(pair, { maxLength: 6 }).map((ps) => ps.join('&'));
}

// ---------------------------------------------------------------------------------------------------------------
// What must hold for every answer

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

function envelopeProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  if (!isObject(body) || Object.keys(body).join() !== 'error') return 'the body is not exactly {error}';
  const e = body.error;
  if (!isObject(e)) return 'error is not an object';
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'field'].includes(k));
  if (extra.length) return `error has extra keys ${extra.join(', ')}`;
  if (typeof e.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(e.code)) return 'error.code is not a snake_case string';
  if (typeof e.message !== 'string' || e.message === '') return 'error.message is not a sentence';
  if ('field' in e && typeof e.field !== 'string') return 'error.field is not a string';
  return undefined;
}

/** Answers of the HTTP layer before any route ran (URL or headers too long): the endpoint never saw the request. */
const UNROUTED = new Set([414, 431]);

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

class Broken extends Error {}

function fail(request: string, answer: Answer | undefined, why: string): never {
  throw new Broken(`${why}\n  request: ${clip(request, 600)}\n  answer: ${answer ? `${answer.status} ${clip(answer.text)}` : '-'}`);
}

/** Never a 5xx; a 4xx is the contract's error body. */
function checkAnswer(request: string, a: Answer): void {
  if (a.status >= 500) fail(request, a, `a ${a.status}`);
  if (a.status >= 400) {
    const problem = envelopeProblem(a.text);
    if (problem) fail(request, a, `a ${a.status} without the contract's error body: ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rows: a fingerprint of each table, taken before and after every request

const TABLES = [
  'apps', 'networks', 'campaigns', 'audiences', 'api_keys', 'installs', 'events', 'clicks', 'impressions',
  'deliveries', 'campaign_costs', 'fx_rates', 'suppressions', 'replay_runs',
] as const;
type Table = (typeof TABLES)[number];
type Snapshot = Record<Table, { rows: number; hash: string }>;

/**
 * A row count and the newest row version (xmin) per table: any insert, update or delete moves one of them, and
 * neither needs the rows read out. api_keys is compared by content without last_used_at, which every
 * authenticated request moves by design.
 */
const SNAPSHOT_SQL = `SELECT ${TABLES.map((t) =>
  t === 'api_keys'
    ? `(SELECT json_build_object('rows', count(*), 'hash', md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' ORDER BY x.id), '')))
         FROM api_keys x) AS api_keys`
    : `(SELECT json_build_object('rows', count(*), 'hash', coalesce(max(xmin::text::bigint), 0)::text) FROM ${t}) AS ${t}`,
).join(', ')}`;

function changedTables(before: Snapshot, after: Snapshot): Table[] {
  return TABLES.filter((t) => before[t].rows !== after[t].rows || before[t].hash !== after[t].hash);
}

// ---------------------------------------------------------------------------------------------------------------

interface Operation {
  method: string;
  path: string;
  pathParams: Array<{ name: string; schema: Record<string, unknown> }>;
  queryParams: Array<{ name: string; schema: Record<string, unknown> }>;
  hasBody: boolean;
}

describe('fuzzing every endpoint with hostile input', () => {
  let stack: Stack;
  /** Ingestion is fuzzed against f; the admin API's real ids belong to g, so a DELETE there leaves f intact. */
  let f: Fixture;
  let g: Fixture;
  let operations: Operation[];
  const realIds: Record<string, string[]> = {};
  let counter = 0;
  const unique = (p: string) => `${p}-${SEED}-${++counter}`;

  /** How often each method answered each status, printed with FUZZ_STATS=1 to see how deep the cases went. */
  const statuses = new Map<string, number>();
  afterAll(() => {
    if (process.env.FUZZ_STATS) console.log([...statuses].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
  });
  const snapshot = async (): Promise<Snapshot> => (await stack.db.query(SNAPSHOT_SQL)).rows[0] as Snapshot;

  /** Runs one request between two snapshots; `allowed` says which tables its answer may have changed, and by how much. */
  async function observed(
    request: string,
    send: () => Promise<Answer>,
    allowed: (a: Answer) => Partial<Record<Table, number | 'any'>>,
  ): Promise<Answer> {
    const before = await snapshot();
    const a = await send();
    const key = `${request.split(' ')[0]} ${a.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    checkAnswer(request, a);
    const after = await snapshot();
    const may = allowed(a);
    for (const t of changedTables(before, after)) {
      const limit = may[t];
      if (limit === undefined) fail(request, a, `${t} changed (${before[t].rows} → ${after[t].rows} rows) though this answer may not change it`);
      if (limit !== 'any' && (after[t].rows < before[t].rows || after[t].rows - before[t].rows > limit)) {
        fail(request, a, `${t} went ${before[t].rows} → ${after[t].rows} rows; this answer may add at most ${limit}`);
      }
    }
    return a;
  }

  const answer = async (res: Response): Promise<Answer> => ({ status: res.status, text: await res.text(), headers: res.headers });

  async function expectHealthy(): Promise<void> {
    for (const url of [stack.ingestionUrl, stack.adminUrl]) {
      const res = await fetch(`${url}/health`);
      expect({ url, status: res.status, body: await res.json() }).toMatchObject({ url, status: 200, body: { status: 'ok', db: 'up', redis: 'up' } });
    }
  }

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_APP_PER_MINUTE: '10000000', RATE_LIMIT_KEY_PER_MINUTE: '10000000' }, { worker: false });
    f = await createFixture(stack);
    g = await createFixture(stack, { app: { name: 'Target' } });
    const doc = (await (await fetch(`${stack.adminUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, any>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).filter(([method]) => /^(get|post|put|patch|delete)$/.test(method)).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p: any) => p.in === 'path'),
        queryParams: (op.parameters ?? []).filter((p: any) => p.in === 'query'),
        hasBody: op.requestBody !== undefined,
      })),
    );

    // Real ids of every kind the admin API names in a path, all of g's.
    const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, g.sdkSecret, {
      appId: g.appId, installId: 'g-install', installedAt: new Date().toISOString(), device: { gaid: '3f1e0c52-9a43-4cf1-8e2a-6c3f1b2a9d10' },
    });
    const audience = await stack.admin('POST', '/v1/audiences', { appId: g.appId, name: 'Buyers', rule: { event: 'purchase' }, webhookUrl: 'http://127.0.0.1:9/hook' });
    const keys = await Promise.all([1, 2, 3].map((i) => stack.admin('POST', '/v1/api-keys', { name: `victim-${i}`, scopes: ['read'] })));
    const now = Date.now();
    const replay = await stack.admin('POST', '/v1/attribution/replay', {
      appId: g.appId, from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString(),
    });
    Object.assign(realIds, {
      apps: [g.appId],
      networks: [g.networkId],
      campaigns: [g.campaignId],
      installs: [install.body?.id].filter(Boolean),
      audiences: [audience.body?.id].filter(Boolean),
      'api-keys': keys.map((k) => k.body?.id).filter(Boolean),
      attribution: [replay.body?.id].filter(Boolean),
    });
    realIds.any = Object.values(realIds).flat();
  });
  afterAll(() => stack?.close());

  // -------------------------------------------------------------------------------------------------------------
  // Ingestion

  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const installSeed = () => ({
    appId: f.appId,
    installId: unique('install'),
    installedAt: ago(60_000),
    device: { gaid: '8e3c1b9e-2f4a-4d7b-9c11-5a6e7f8091ab', idfa: 'AB12CD34-0000-4000-8000-1234567890AB', idfv: 'v-1', androidId: 'a-1' },
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)',
    referrer: 'utm_source=x&lookback_click_id=0190f5c4-0000-7000-8000-000000000001',
    customerUserId: 'user-42',
    consent: { attribution: true, retargeting: true },
  });
  const eventSeed = () => ({
    appId: f.appId,
    eventId: unique('event'),
    installId: 'install-1',
    name: 'purchase',
    occurredAt: ago(30_000),
    revenue: 4.99,
    currency: 'EUR',
    properties: { sku: 'gems_100', n: 1 },
    customerUserId: 'user-42',
    consent: { attribution: true, retargeting: true },
  });
  /** Hostile forwarded-for headers: loopback is a trusted proxy, so they become the request's own IP. */
  const forwarded = fc.option(
    fc.constantFrom('garbage', 'fe80::1%eth0', '999.1.1.1', '1.2.3.4, 5.6.7.8', '::ffff:1.2.3.4', '[::1]:80', '1.2.3.4:5678', 'unknown', '', ' , '),
    { nil: undefined },
  );

  const signedPost = (path: string) => async (sent: Sent, xff: string | undefined) => {
    const raw = serialize(sent.body, sent.depth);
    const res = await postSigned(`${stack.ingestionUrl}${path}`, f.sdkSecret, raw, xff !== undefined ? { 'x-forwarded-for': xff } : {});
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
    return { status: res.status, text, headers: new Headers() };
  };
  const describeSent = (path: string, sent: Sent, xff?: string) =>
    `POST ${path} [${sent.how}]${xff !== undefined ? ` x-forwarded-for: ${xff}` : ''} ${clip(serialize(sent.body, sent.depth !== undefined && sent.depth > 200 ? 40 : sent.depth))}`;

  it('POST /v1/installs refuses every broken install with a 4xx and stores nothing; anything else is never a 5xx', async () => {
    const post = signedPost('/v1/installs');
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => invalidBody(installSeed())), forwarded, async (sent, xff) => {
        const request = describeSent('/v1/installs', sent, xff);
        const a = await observed(request, () => post(sent, xff), () => ({}));
        if (a.status < 400) fail(request, a, 'a broken install was accepted');
      }),
      runs(60),
    );
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => anyBody(installSeed())), forwarded, async (sent, xff) => {
        await observed(describeSent('/v1/installs', sent, xff), () => post(sent, xff), (a) => (a.status === 202 ? { installs: 1 } : {}));
      }),
      runs(60),
    );
    await expectHealthy();
  }, 60_000);

  it('POST /v1/events refuses every broken event with a 4xx and stores nothing; anything else is never a 5xx', async () => {
    const post = signedPost('/v1/events');
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => invalidBody(eventSeed())), forwarded, async (sent, xff) => {
        const request = describeSent('/v1/events', sent, xff);
        const a = await observed(request, () => post(sent, xff), () => ({}));
        if (a.status < 400) fail(request, a, 'a broken event was accepted');
      }),
      runs(50),
    );
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => anyBody(eventSeed())), forwarded, async (sent, xff) => {
        await observed(describeSent('/v1/events', sent, xff), () => post(sent, xff), (a) => (a.status === 202 ? { events: 1 } : {}));
      }),
      runs(50),
    );
    await expectHealthy();
  }, 60_000);

  it('POST /v1/events/batch answers a broken item alone (or the whole body with a 4xx), never a 5xx for any item', async () => {
    const post = signedPost('/v1/events/batch');
    const itemProblem = (a: Answer, index: number): string | undefined => {
      const item = (JSON.parse(a.text) as { results?: Array<{ index: number; status: number; error?: unknown }> }).results?.[index];
      if (!item) return `no result for item ${index}`;
      if (item.status >= 500) return `item ${index} answered ${item.status}`;
      if (item.status >= 400) return envelopeProblem(JSON.stringify({ error: item.error }));
      return undefined;
    };
    const accepted = (a: Answer) => (a.status === 207 ? (JSON.parse(a.text).results as Array<{ status: number }>).filter((r) => r.status === 202).length : 0);
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => invalidBody(eventSeed())), async (item) => {
        const sent = { ...item, body: { appId: f.appId, events: [item.body, eventSeed()] } };
        const request = describeSent('/v1/events/batch', sent);
        const a = await observed(request, () => post(sent, undefined), (r) => ({ events: accepted(r) }));
        if (a.status === 207) {
          const problem = itemProblem(a, 0) ?? itemProblem(a, 1);
          if (problem) fail(request, a, problem);
          const [broken, good] = JSON.parse(a.text).results as Array<{ status: number }>;
          if (broken.status < 400) fail(request, a, 'a broken item was accepted');
          if (good.status !== 202) fail(request, a, 'a good item beside a broken one was not accepted');
        } else if (a.status < 400) fail(request, a, `a batch answered ${a.status}`);
      }),
      runs(20),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => fc.oneof(anyBody({ appId: f.appId, events: [eventSeed()] }), fc.array(anyBody(eventSeed()), { minLength: 1, maxLength: 3 }).map((items) => ({
          how: items.map((i) => i.how).join(' | '),
          body: { events: items.map((i) => i.body) },
        })))),
        async (sent) => {
          const request = describeSent('/v1/events/batch', sent);
          const a = await observed(request, () => post(sent, undefined), (r) => ({ events: accepted(r) }));
          if (a.status === 207) {
            const n = (JSON.parse(a.text).results as unknown[]).length;
            for (let i = 0; i < n; i++) {
              const problem = itemProblem(a, i);
              if (problem) fail(request, a, problem);
            }
          }
        },
      ),
      runs(20),
    );
    await expectHealthy();
  }, 60_000);

  const TOUCH_PARAMS = ['click_id', 'gaid', 'idfa', 'site_id', 'creative', 'sub1', 'sub2', 'sub3', 'sub4', 'sub5'];
  const touchValue: QueryValue = (n) =>
    n === 'gaid' || n === 'idfa' ? fc.constantFrom('8e3c1b9e-2f4a-4d7b-9c11-5a6e7f8091ab', '00000000-0000-0000-0000-000000000000') : fc.constantFrom('abc', 'evil.example', '1');
  const userAgent = fc.option(fc.constantFrom('x'.repeat(5000), '\u00ff\u00fe\u00a0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)', ''), { nil: undefined });
  const touchHeaders = (xff?: string, ua?: string) => ({ ...(xff !== undefined ? { 'x-forwarded-for': xff } : {}), ...(ua !== undefined ? { 'user-agent': ua } : {}) });
  const campaignSegment = fc.oneof(fc.constant('real'), urlFragment, fc.uuid().map(String));

  it('GET /c/{id} redirects only to the configured destination, records one click for a real campaign, and refuses the rest', async () => {
    await fc.assert(
      fc.asyncProperty(campaignSegment, hostileQuery(TOUCH_PARAMS, touchValue), forwarded, userAgent, async (seg, query, xff, ua) => {
        const real = seg === 'real';
        const url = `${stack.ingestionUrl}/c/${real ? f.campaignId : seg}?${query}`;
        const request = `GET ${url}${xff !== undefined ? ` x-forwarded-for: ${xff}` : ''}${ua !== undefined ? ` user-agent: ${clip(ua, 40)}` : ''}`;
        const a = await observed(
          request,
          async () => answer(await fetch(url, { redirect: 'manual', headers: touchHeaders(xff, ua) })),
          (r) => (r.status === 302 ? { clicks: 1 } : {}),
        );
        if (UNROUTED.has(a.status)) return;
        if (real) {
          if (a.status !== 302) fail(request, a, 'a click on a live campaign did not redirect');
          const location = new URL(a.headers.get('location') ?? 'about:blank');
          if (location.host !== 'play.google.com') fail(request, a, `redirected to ${location.href}`);
        } else if (a.status === 302) fail(request, a, 'redirected for a campaign that does not exist');
      }),
      runs(60),
    );
    await expectHealthy();
  }, 60_000);

  it('GET /i/{id} always answers the image and records an impression only for a real campaign', async () => {
    await fc.assert(
      fc.asyncProperty(campaignSegment, hostileQuery(TOUCH_PARAMS, touchValue), forwarded, userAgent, async (seg, query, xff, ua) => {
        const real = seg === 'real';
        const url = `${stack.ingestionUrl}/i/${real ? f.campaignId : seg}?${query}`;
        const request = `GET ${url}${xff !== undefined ? ` x-forwarded-for: ${xff}` : ''}`;
        const a = await observed(request, async () => answer(await fetch(url, { headers: touchHeaders(xff, ua) })), () => (real ? { impressions: 1 } : {}));
        // A junk segment may route elsewhere (`..` resolves away); only a routed impression owes the image.
        if (UNROUTED.has(a.status)) return;
        if ((real || /^[\w-]+$/.test(seg)) && (a.status !== 200 || a.headers.get('content-type') !== 'image/gif')) fail(request, a, 'no image');
      }),
      runs(30),
    );
    await expectHealthy();
  }, 60_000);

  const PIXEL_PARAMS = ['e', 'uid', 'v', 'cur', 'eid', 'lcid', 'test', 'ca', 'url', 'ref'];
  const pixelValue: QueryValue = (n) =>
    ({
      e: fc.constantFrom('purchase', 'page_view', 'sign_up'),
      v: fc.constantFrom('4.99', '0', '-0', '1e308', '18446744073709551616', '-5'),
      cur: fc.constantFrom('EUR', 'USD', 'eur', 'XXX'),
      lcid: fc.uuid().map(String),
      eid: fc.integer({ min: 1 }).map((n) => `pixel-${SEED}-${n}`),
      test: fc.constantFrom('1', '0'),
      ca: fc.constantFrom('0', '1'),
    })[n] ?? fc.constantFrom('user-1', 'https://shop.example/cart');

  it('GET /p/{appId}.gif always answers the 43-byte GIF, never fails inside, and stores an event only for an accepted hit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('real'), urlFragment, fc.uuid().map(String)),
        hostileQuery(PIXEL_PARAMS, pixelValue).filter((q) => !/(^|&)debug/.test(q)),
        forwarded,
        userAgent,
        async (seg, query, xff, ua) => {
          const real = seg === 'real';
          const url = `${stack.ingestionUrl}/p/${real ? f.appId : seg}.gif?${query}&debug=1`;
          const request = `GET ${url}${xff !== undefined ? ` x-forwarded-for: ${xff}` : ''}`;
          const a = await observed(request, async () => answer(await fetch(url, { headers: touchHeaders(xff, ua) })), (r) => {
            const debug = r.headers.get('x-lookback-debug');
            return debug && JSON.parse(debug).outcome === 'accepted' ? { events: 1 } : {};
          });
          if (UNROUTED.has(a.status) || (!real && !/^[\w-]+$/.test(seg))) return;
          if (a.status !== 200 || a.headers.get('content-type') !== 'image/gif' || a.headers.get('cache-control') !== 'no-store') fail(request, a, 'not the pixel GIF');
          // The debug answer is missing only when the hit threw: a 5xx hidden behind the image.
          if (!a.headers.get('x-lookback-debug')) fail(request, a, 'the hit failed inside (no debug outcome)');
        },
      ),
      runs(60),
    );
    await expectHealthy();
  }, 60_000);

  it('GET /t.js answers the web tag whatever the query', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(['app', 'v'], () => fc.constant('1')), async (query) => {
        const url = `${stack.ingestionUrl}/t.js?${query}`;
        await observed(`GET ${url}`, async () => answer(await fetch(url)), () => ({}));
      }),
      runs(10),
    );
    await expectHealthy();
  }, 60_000);

  // -------------------------------------------------------------------------------------------------------------
  // Admin API

  /** Valid bodies to break, where the document has no example; a route without one is fuzzed from `{}`. */
  const adminSeeds = (): Record<string, Record<string, unknown>> => {
    const now = Date.now();
    return {
      'POST /v1/apps': { name: 'Fuzz', platform: 'android', bundleId: 'com.example.fuzz', storeUrl: 'https://play.google.com/store/apps/details?id=com.example.fuzz', minCtitSeconds: 10, reattributionDays: 90, pixelEvents: ['purchase'] },
      'PATCH /v1/apps/{id}': { name: 'Fuzz 2', minCtitSeconds: 5, pixelEvents: ['purchase', 'sign_up'] },
      'POST /v1/networks': { name: 'Net', installPostbackUrl: 'https://postback.example.com/i?c={click_id}', postbackEvents: ['purchase'] },
      'PATCH /v1/networks/{id}': { name: 'Net 2', postbackEvents: ['purchase'] },
      'POST /v1/campaigns': { appId: g.appId, networkId: g.networkId, name: 'C', destinationUrl: 'https://example.com/l?c={lookback_click_id}', status: 'active', clickLookbackHours: 168, costPerInstall: 1.5 },
      'PATCH /v1/campaigns/{id}': { name: 'C 2', status: 'paused', viewLookbackHours: 12 },
      'PUT /v1/campaigns/{id}/costs': { costs: [{ date: '2026-12-01', amount: '120.50', currency: 'USD' }] },
      'POST /v1/attribution/replay': { appId: g.appId, from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString(), overrides: { clickLookbackHours: 72 } },
      'POST /v1/privacy/erasure': { appId: g.appId, device: { gaid: '3f1e0c52-9a43-4cf1-8e2a-6c3f1b2a9d10' }, customerUserId: 'user-9' },
      'PUT /v1/fx-rates': { rates: { EUR: 1.08, JPY: 0.0067 } },
      'POST /v1/audiences': { appId: g.appId, name: 'A', rule: { all: [{ event: 'purchase', withinDays: 30, count: { gte: 1 } }, { not: { event: 'refund' } }] }, webhookUrl: 'http://127.0.0.1:9/hook' },
      'POST /v1/audiences/preview': { appId: g.appId, rule: { any: [{ event: 'purchase', revenueUsd: { gte: 1 } }, { installedWithinDays: 7 }] } },
      'PATCH /v1/audiences/{id}': { name: 'A 2', rule: { event: 'purchase', withinDays: 7 } },
      'POST /v1/api-keys': { name: 'k', scopes: ['read'], appIds: [g.appId] },
    };
  };

  const goodParam = (p: { name: string; schema: Record<string, unknown> }, resource: string): fc.Arbitrary<string> => {
    const s = p.schema;
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
    if (s.format === 'uuid' || p.name === 'id' || p.name.endsWith('Id')) {
      const ids = realIds[p.name === 'id' ? resource : `${p.name.replace(/Id$/, '')}s`] ?? realIds.any;
      return fc.constantFrom(...(ids.length ? ids : realIds.any));
    }
    if (s.format === 'date-time' || p.name === 'from' || p.name === 'to') return fc.constantFrom(ago(7 * 86_400_000), ago(0), '2026-12-01T00:00:00Z');
    if (s.type === 'number' || s.type === 'integer' || p.name === 'limit') return fc.constantFrom('1', '10', '500');
    return fc.constantFrom(String(s.default ?? s.example ?? 'x'));
  };

  /** A request to one operation: real values for path and query parameters half of the time, junk otherwise. */
  const adminRequest = (ops: Operation[], body: (op: Operation) => fc.Arbitrary<Sent | undefined>) =>
    fc.constantFrom(...ops).chain((op) => {
      const resource = op.path.split('/')[2] ?? '';
      const segments = op.pathParams.map((p) => fc.oneof(goodParam(p, resource).map(encodeURIComponent), urlFragment).map((v) => [p.name, v] as const));
      const query = hostileQuery([...op.queryParams.map((p) => p.name), 'limit', 'cursor'], (n) => {
        const p = op.queryParams.find((q) => q.name === n) ?? { name: n, schema: {} };
        return goodParam(p, resource).map(encodeURIComponent);
      });
      return fc.record({ op: fc.constant(op), params: fc.tuple(...segments), query, sent: body(op) });
    });

  async function sendAdmin(method: string, url: string, sent: Sent | undefined, key = OWNER_KEY): Promise<Answer> {
    const raw = sent === undefined ? undefined : serialize(sent.body, sent.depth);
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw,
    });
    return answer(res);
  }

  const adminUrlOf = (op: Operation, params: ReadonlyArray<readonly [string, string]>, query: string) =>
    `${stack.adminUrl}${params.reduce((p, [name, v]) => p.replace(`{${name}}`, v), op.path)}${query ? `?${query}` : ''}`;
  const describeAdmin = (op: Operation, url: string, sent?: Sent) =>
    `${op.method} ${url}${sent ? ` [${sent.how}] ${clip(serialize(sent.body, sent.depth !== undefined && sent.depth > 200 ? 40 : sent.depth))}` : ''}`;

  it('lists the admin routes from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((o) => o.hasBody).length).toBeGreaterThan(10);
  });

  it('accepts every seed as it is, so a refused broken copy says something about the validation', async () => {
    const ingestion = [
      ['/v1/installs', installSeed()],
      ['/v1/events', eventSeed()],
      ['/v1/events/batch', { appId: f.appId, events: [eventSeed()] }],
    ] as const;
    for (const [path, body] of ingestion) {
      const res = await postSigned(`${stack.ingestionUrl}${path}`, f.sdkSecret, body);
      expect({ path, status: res.status }).toEqual({ path, status: path.endsWith('batch') ? 207 : 202 });
    }
    for (const [route, body] of Object.entries(adminSeeds())) {
      const [method, template] = route.split(' ');
      const resource = template.split('/')[2];
      const path = template.replace('{id}', realIds[resource]?.[0] ?? '');
      const res = await stack.admin(method, path, body);
      expect({ route, status: res.status < 300 ? 'accepted' : res.status, body: res.status < 300 ? undefined : res.body }).toEqual({ route, status: 'accepted', body: undefined });
    }
  });

  it('every admin route that takes a body refuses a broken one with a 4xx and changes nothing', async () => {
    const seeds = adminSeeds();
    await fc.assert(
      fc.asyncProperty(
        adminRequest(operations.filter((o) => o.hasBody), (op) => invalidBody(seeds[`${op.method} ${op.path}`] ?? {})),
        async ({ op, params, query, sent }) => {
          const url = adminUrlOf(op, params, query);
          const request = describeAdmin(op, url, sent);
          const a = await observed(request, () => sendAdmin(op.method, url, sent), () => ({}));
          if (a.status < 400) fail(request, a, 'a broken body was accepted');
        },
      ),
      runs(130),
    );
    await expectHealthy();
  }, 60_000);

  it('every admin route answers any hostile body and query without a 5xx; only a 2xx write changes rows', async () => {
    const seeds = adminSeeds();
    await fc.assert(
      fc.asyncProperty(
        adminRequest(operations, (op) => (op.method !== 'GET' && op.method !== 'DELETE' ? anyBody(seeds[`${op.method} ${op.path}`] ?? {}) : fc.constant(undefined))),
        async ({ op, params, query, sent }) => {
          const url = adminUrlOf(op, params, query);
          await observed(describeAdmin(op, url, sent), () => sendAdmin(op.method, url, sent), (a) =>
            a.status < 300 && op.method !== 'GET' ? Object.fromEntries(TABLES.map((t) => [t, 'any' as const])) : {},
          );
        },
      ),
      runs(130),
    );
    await expectHealthy();
  }, 60_000);

  it('a hostile API key is a 401 with the error body on every admin route, and changes nothing', async () => {
    const token = fc.oneof(
      fc.constantFrom('', 'lbk_', 'lbk_bogus', `${OWNER_KEY}x`, ` ${OWNER_KEY.slice(0, -1)}`, `Bearer ${OWNER_KEY}`, 'x'.repeat(8000), 'null', '\u00ff\u00fe'),
      hostileString.filter((s) => /^[\x21-\x7e\u00a0-\u00ff]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(adminRequest(operations, () => fc.constant(undefined)), token, async ({ op, params, query }, key) => {
        const url = adminUrlOf(op, params, query);
        const request = `${op.method} ${url} authorization: Bearer ${clip(key, 60)}`;
        const a = await observed(request, () => sendAdmin(op.method, url, undefined, key), () => ({}));
        if (a.status !== 401 && a.status !== 400 && a.status !== 404 && !UNROUTED.has(a.status)) fail(request, a, 'a bad key was not refused');
      }),
      runs(30),
    );
    await expectHealthy();
  }, 60_000);

  it('the worker digests every install and event the fuzzing got accepted and stays healthy', async () => {
    await stack.startWorker();
    await waitFor(async () => (await stack.db.query(`SELECT count(*)::int AS n FROM installs WHERE status = 'pending'`)).rows[0].n === 0, 'every install decided', 20_000);
    const res = await fetch(`${stack.workerHealthUrl}/health`);
    expect(res.status).toBe(200);
    await expectHealthy();
  }, 60_000);
});
