import { Client } from 'pg';
import { LOCAL_TABLES, REFERENCE_TABLES } from '../libs/database/src/distribution';
import { click, clickIdFrom, createFixture, decidedInstall, type Fixture } from './support/fixtures';
import { postSigned, Sink, waitFor } from './support/http';
import { startStack, type Stack } from './support/stack';
import { recordStatements, type CapturedStatement } from './support/statements';

/**
 * The plain-PostgreSQL proxy of "every hot query is routed by app_id" (docs/scaling.md, Citus). The real stack runs
 * the product's hot paths (tracking, signed installs and events, attribution, event linking, deliveries, audiences,
 * reports, and the worker's timed work) while every statement it sends is recorded where it is sent; then each
 * statement that touches a distributed table is EXPLAINed (VERBOSE, with the values it was sent with folded in) and
 * every scan of a distributed table or of one of its partitions is judged:
 *   - one app: `app_id = <one value>` in its index condition or filter, or `app_id = <alias>.app_id` of a scan
 *     that has (PostgreSQL carries `a.app_id = $1 AND b.app_id = a.app_id` over to b by itself): Citus routes
 *     such a statement to one shard;
 *   - listed apps: `app_id = ANY(<constants>)`: Citus prunes to those apps' shards;
 *   - per batch row: `app_id = <input>.app_id` of a row of the statement's own input (the unnest of a batch whose
 *     rows may belong to several apps): each row is keyed by its app, the statement as a whole is not;
 *   - no app: a scan that ignores app_id. Such a statement fails this test (with its SQL, where it was sent from and
 *     the scans at fault) unless it is listed in CROSS_APP: work that spans apps by design.
 * Citus itself is not installed here: these plans are the evidence, not a routed run.
 */

/** Statements that span apps by design, by a fragment of their SQL: why, and how the Citus plan runs them. */
const CROSS_APP: { sql: RegExp; via?: string; why: string }[] = [
  {
    sql: /FROM (installs|events) WHERE status = 'pending' AND received_at </,
    why: 'reconciler: the installs/events left pending too long, whatever their app (runs per shard on Citus)',
  },
  {
    sql: /FROM deliveries WHERE status = 'pending' AND updated_at </,
    why: 'reconciler: deliveries left pending too long (per shard on Citus)',
  },
  {
    sql: /FROM replay_runs WHERE status IN \('queued', 'running'\) AND updated_at </,
    why: 'reconciler: replay runs whose job was lost (per shard on Citus)',
  },
  {
    sql: /FROM deliveries d LEFT JOIN networks n ON n\.id = d\.network_id WHERE d\.status = 'sending' AND d\.locked_until < now\(\) AND \(\$1::uuid IS NULL OR d\.id = \$1\)/,
    via: 'apps/attribution-worker/src/maintenance/reconciler.service.ts',
    why: 'reconciler: attempts a dead worker left open, any app (per shard on Citus); the delivery job names its app',
  },
  {
    sql: /^DELETE FROM (clicks|impressions|events)_default WHERE (ts|received_at) < now\(\) - make_interval\(days => \$1\)$/,
    why: 'retention: rows past RETENTION_DAYS in the default partition, any app (monthly partitions are dropped whole)',
  },
  {
    sql: /^DELETE FROM source_(clicks|installs) WHERE hour < now\(\) - make_interval\(days => \$1\)$/,
    why: 'retention: per-source rollup hours past RETENTION_DAYS, any app (per shard on Citus)',
  },
  {
    sql: /SELECT app_id, id FROM audience_dirty ORDER BY id LIMIT \$1 FOR UPDATE SKIP LOCKED/,
    why: 'audience evaluation drains the queue of people to re-evaluate, any app (per shard on Citus)',
  },
  {
    sql: /FROM audience_wakeups WHERE due_at <= \$1 ORDER BY due_at LIMIT \$2 FOR UPDATE SKIP LOCKED/,
    why: 'audience scheduler: the wake-ups now due, any app (per shard on Citus)',
  },
  {
    sql: /FROM "installs" "InstallEntity" WHERE \(\("InstallEntity"\."id" = \$1\)\)/,
    why: 'admin GET /v1/installs/{id}: the path names no app; one indexed look-up per shard on Citus (an admin read)',
  },
  {
    sql: /FROM audiences WHERE id = \$1$/,
    why: 'admin GET /v1/audiences/{id}: the path names no app; one indexed look-up per shard on Citus (an admin read)',
  },
];

interface Scan {
  relation: string;
  alias: string;
  /** The names its columns go by: its alias, and for a partition under an Append also the parent's (`e` of `e_1`). */
  names: string[];
  node: string;
  /** Its own conditions, then those of the joins above it (where a hash or merge join keeps its key). */
  conditions: string[];
}

type Verdict = 'one app' | 'listed apps' | 'per batch row' | 'no app';

/** Every scan of a distributed table (a partition counts as its table) in a VERBOSE JSON plan. */
function scansOf(plan: Record<string, unknown>, distributed: Map<string, string>, above: string[] = [], out: Scan[] = []): Scan[] {
  const relation = plan['Relation Name'] as string | undefined;
  const node = String(plan['Node Type']);
  const own = ['Index Cond', 'Recheck Cond', 'Filter', 'TID Cond'].map((k) => plan[k]).filter((c): c is string => typeof c === 'string');
  if (relation && distributed.has(relation) && node !== 'ModifyTable') {
    const alias = String(plan.Alias ?? relation);
    const names = distributed.get(relation) !== relation ? [alias, alias.replace(/_\d+$/, '')] : [alias];
    out.push({ relation, alias, names, node, conditions: [...own, ...above] });
  }
  const join = ['Hash Cond', 'Merge Cond', 'Join Filter'].map((k) => plan[k]).filter((c): c is string => typeof c === 'string');
  for (const child of (plan.Plans as Record<string, unknown>[] | undefined) ?? []) scansOf(child, distributed, [...join, ...above], out);
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const col = (alias: string) => `(?<![\\w"])"?${esc(alias)}"?\\.app_id`;
const UUID = `'[0-9a-f-]{36}'::uuid`;
/** `alias.app_id = '<uuid>'::uuid`: one value (the statement's own, folded into a custom plan). */
const oneValue = (alias: string) => new RegExp(`${col(alias)} = ${UUID}|${UUID} = ${col(alias)}`);
/** `alias.app_id = ANY ('{…}'::uuid[])`: a list of constants. */
const listed = (alias: string) => new RegExp(`${col(alias)} = ANY \\('\\{[^}]*\\}'::uuid\\[\\]\\)`);
/** The aliases whose columns `alias.app_id` is equated with (either way round). */
function equatedWith(alias: string, conditions: string[]): string[] {
  const out: string[] = [];
  const other = `"?(\\w+)"?\\.\\w+`;
  for (const c of conditions) {
    for (const m of c.matchAll(new RegExp(`${col(alias)} = ${other}`, 'g'))) out.push(m[1]);
    for (const m of c.matchAll(new RegExp(`${other} = ${col(alias)}`, 'g'))) out.push(m[1]);
  }
  return out.filter((a) => a !== alias);
}

function verdictOf(scans: Scan[]): { verdict: Verdict; loose: Scan[] } {
  const any = (s: Scan, test: (name: string) => boolean) => s.names.some(test);
  const partners = (s: Scan) => s.names.flatMap((n) => equatedWith(n, s.conditions));
  const held = new Set(scans.filter((s) => any(s, (n) => s.conditions.some((c) => oneValue(n).test(c)))).flatMap((s) => s.names));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of scans) {
      if (!any(s, (n) => held.has(n)) && partners(s).some((a) => held.has(a))) {
        for (const n of s.names) held.add(n);
        grew = true;
      }
    }
  }
  const tables = new Set(scans.flatMap((s) => s.names));
  const rest = scans.filter((s) => !any(s, (n) => held.has(n)));
  const some = rest.filter((s) => any(s, (n) => s.conditions.some((c) => listed(n).test(c))));
  const keyed = rest.filter((s) => !some.includes(s) && partners(s).some((a) => !tables.has(a)));
  const loose = rest.filter((s) => !some.includes(s) && !keyed.includes(s));
  const verdict: Verdict = loose.length > 0 ? 'no app' : keyed.length > 0 ? 'per batch row' : some.length > 0 ? 'listed apps' : 'one app';
  return { verdict, loose };
}

/** SQL on one line, single-spaced: what the patterns below are written against. */
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** What the recorded run must contain, so that the check cannot pass on a run that skipped a hot path. */
const HOT_PATHS: [string, RegExp][] = [
  ['clicks written (group commit)', /^INSERT INTO clicks\b/],
  ['impressions written', /^INSERT INTO impressions\b/],
  ['installs written', /^INSERT INTO installs\b/],
  ['events written', /INSERT INTO events\b/],
  ['attribution: touches per device', /CROSS JOIN LATERAL \( SELECT \* FROM clicks/],
  ['attribution: decisions and outbox', /UPDATE installs i SET status = t\.status/],
  ['events linked to their install', /UPDATE events SET status = 'linked'/],
  ['deliveries claimed', /UPDATE deliveries d SET status = 'sending'/],
  ['delivery attempts recorded', /UPDATE delivery_attempts SET outcome = /],
  ['audience members written', /INSERT INTO audience_members\b/],
  ['reports read from rollups', /FROM report_installs\b/],
];

describe('every hot query is held to one app_id (EXPLAIN)', () => {
  let stack: Stack;
  let sink: Sink;
  let f: Fixture;
  const recorder = recordStatements();
  let captured: CapturedStatement[] = [];

  beforeAll(async () => {
    sink = new Sink();
    const sinkUrl = await sink.start();
    stack = await startStack({ AUDIENCE_EVERY_MS: '50', CACHE_TTL_MS: '0', RECONCILE_EVERY_MS: '1000', UPKEEP_EVERY_MS: '1000' });
    recorder.ignore(stack.db);
    f = await createFixture(stack, {
      postbackUrl: `${sinkUrl}/pb?c={click_id}&i={install_id}`,
      network: { eventPostbackUrl: `${sinkUrl}/ev?e={event_name}&i={install_id}`, postbackEvents: ['purchase'] },
    });
    const audience = await stack.admin('POST', '/v1/audiences', {
      appId: f.appId,
      name: 'Buyers',
      rule: { event: 'purchase', withinDays: 30 },
      webhookUrl: `${sinkUrl}/audience`,
    });
    expect(audience.status).toBe(201);

    // Touches: a device click, a click the install's referrer names, a fingerprint click, an impression.
    const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36';
    expect((await click(stack, f.campaignId, 'gaid=route-device&click_id=n1')).status).toBe(302);
    const named = await click(stack, f.campaignId, 'click_id=n2');
    const printed = await click(stack, f.campaignId, 'click_id=n3', { 'user-agent': ua, 'x-forwarded-for': '198.51.100.20' });
    expect(printed.status).toBe(302);
    expect((await fetch(`${stack.ingestionUrl}/i/${f.campaignId}?gaid=route-viewer`)).status).toBeLessThan(400);
    expect((await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=page_view&uid=route-u1`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));

    const later = () => new Date(Date.now() + 60_000).toISOString();
    const installs = [
      { installId: 'r-device', device: { gaid: 'route-device' }, customerUserId: 'cu-1' },
      { installId: 'r-named', referrer: `lookback_click_id=${clickIdFrom(named.location!)}` },
      { installId: 'r-print', ip: '198.51.100.20', userAgent: ua },
      { installId: 'r-view', device: { gaid: 'route-viewer' }, ip: '203.0.113.5' },
      { installId: 'r-organic', device: { gaid: 'route-nobody' }, ip: '203.0.113.6' },
    ];
    // An event before its install is decided: it waits, and the decision links it.
    const early = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId, eventId: 'ev-early', installId: 'r-device', name: 'purchase', occurredAt: later(), revenue: 2, currency: 'USD',
    });
    expect(early.status).toBe(202);
    const ids: string[] = [];
    for (const body of installs) {
      const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, { appId: f.appId, installedAt: later(), ...body });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const decided = await Promise.all(ids.map((id) => decidedInstall(stack, id)));
    expect(decided.map((d) => d.matchType)).toEqual(['device_id', 'click_id', 'fingerprint', 'view_through', null]);

    // Events after the decision, single and batched; the purchase owes an event postback and fills the audience.
    const single = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId, eventId: 'ev-late', installId: 'r-named', name: 'purchase', occurredAt: later(), revenue: 3, currency: 'USD',
    });
    expect(single.status).toBe(202);
    const batch = await postSigned(`${stack.ingestionUrl}/v1/events/batch`, f.sdkSecret, {
      appId: f.appId,
      events: ['r-print', 'r-view'].map((installId, k) => ({ eventId: `ev-b${k}`, installId, name: 'level_up', occurredAt: later() })),
    });
    expect(batch.status).toBe(207);
    await waitFor(async () => sink.received.filter((r) => r.url.startsWith('/pb')).length >= 4 || undefined, 'install postbacks', 60_000);
    await waitFor(async () => sink.received.some((r) => r.url.startsWith('/ev')) || undefined, 'event postback', 60_000);
    await waitFor(async () => sink.received.some((r) => r.url === '/audience') || undefined, 'audience webhook', 60_000);

    // What growth teams read: reports, cohorts, an install, the delivery log, the audience's members.
    const range = `from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`;
    for (const path of [
      `/v1/reports/campaigns?appId=${f.appId}&${range}&groupBy=day`,
      `/v1/reports/cohorts?appId=${f.appId}&${range}&days=0,1,7`,
      `/v1/installs/${ids[0]}`,
      `/v1/deliveries?appId=${f.appId}&kind=postback`,
      `/v1/audiences/${audience.body.id}/members`,
    ]) {
      expect((await stack.admin('GET', path)).status).toBe(200);
    }
    captured = [...recorder.statements];
    recorder.stop();
  }, 180_000);

  afterAll(async () => {
    recorder.stop();
    await stack?.close();
    await sink?.stop();
  }, 60_000);

  /** Every (non-partition) table that is neither a reference nor a local table, and each partition's table. */
  async function tableOf(db: Client): Promise<Map<string, string>> {
    const notDistributed = new Set<string>([...REFERENCE_TABLES, ...LOCAL_TABLES]);
    const { rows } = await db.query<{ rel: string; root: string }>(
      `WITH RECURSIVE up(rel, root) AS (
         SELECT c.oid, c.oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         UNION ALL SELECT i.inhrelid, up.root FROM pg_inherits i JOIN up ON i.inhparent = up.rel)
       SELECT rel::regclass::text AS rel, root::regclass::text AS root FROM up`,
    );
    return new Map(rows.filter((r) => !notDistributed.has(r.root)).map((r) => [r.rel, r.root]));
  }

  it('records the statements of every hot path', () => {
    const missing = HOT_PATHS.filter(([, re]) => !captured.some((c) => re.test(oneLine(c.text)))).map(([what]) => what);
    expect(missing).toEqual([]);
  });

  it('finds every scan of a distributed table held to one app_id, but for the known cross-app statements', async () => {
    const db = new Client({ connectionString: stack.config.databaseUrl });
    await db.connect();
    try {
      const distributed = await tableOf(db);
      // The statement's own values are folded into its plan, so `$n` left in a condition can only be a subquery's.
      await db.query('SET plan_cache_mode = force_custom_plan');
      const touches = new RegExp(`\\b(${[...new Set(distributed.values())].join('|')})\\b`);
      const seen = new Map<string, CapturedStatement>();
      for (const s of captured) {
        const text = s.text.trim();
        // Once per statement and caller: the same SQL may be sent with and without an app (a job vs the reconciler).
        const key = `${s.via ?? s.home}\u0000${text}`;
        if (!/^(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(text) || !touches.test(text) || seen.has(key)) continue;
        seen.set(key, s);
      }
      const by: Record<Verdict | 'cross-app by design', string[]> = { 'one app': [], 'listed apps': [], 'per batch row': [], 'no app': [], 'cross-app by design': [] };
      for (const s of seen.values()) {
        const text = s.text.trim();
        const { rows } = await db.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${text}`, s.values);
        const { verdict, loose } = verdictOf(scansOf(rows[0]['QUERY PLAN'][0].Plan, distributed));
        const label = `${s.home}${s.via && s.via !== s.home ? ` (via ${s.via})` : ''}: ${oneLine(text).slice(0, 160)}`;
        const known = verdict === 'no app' ? CROSS_APP.find((k) => k.sql.test(oneLine(text)) && (k.via === undefined || k.via === s.via)) : undefined;
        if (known) by['cross-app by design'].push(`${label}\n      (${known.why})`);
        else if (verdict === 'no app') {
          by['no app'].push(`${label}\n      not held to one app: ${loose.map((x) => `${x.node} on ${x.relation} [${x.conditions.join(' / ') || 'no condition'}]`).join('; ')}`);
        } else by[verdict].push(label);
      }
      // What was checked, for the reader of the run (docs/scaling.md lists the same).
      console.log(Object.entries(by).map(([k, v]) => `${k} (${v.length}):\n  ${v.sort().join('\n  ')}`).join('\n'));
      expect(by['no app']).toEqual([]);
      expect(by['one app'].length).toBeGreaterThan(20);
    } finally {
      await db.end();
    }
  }, 120_000);
});
