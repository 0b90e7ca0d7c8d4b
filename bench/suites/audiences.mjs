// Audience evaluation (after `npm run build`: node bench/suites/audiences.mjs). Seeds one app straight in SQL:
// BENCH_AUD_PEOPLE people (default 100k, each an install with a customerUserId) and BENCH_AUD_EVENTS stored
// events (1M), then BENCH_AUD_COUNT audiences (100) on that app. Measures, with the real worker running:
//   1. events/s processed: BENCH_AUD_NEW new events (20k) committed in 500-row statements, as ingestion's group
//      commit writes them, until every touched person is re-evaluated against all audiences;
//   2. a back-fill: people/s evaluated when one more audience is created;
//   3. the scheduler: cost per due member, for a small and a 50× larger audience (it must not grow with size).
// Figures, never assertions. Webhooks go to a local sink that answers 204.
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { harness } from '../harness.mjs';

const PEOPLE = Number(process.env.BENCH_AUD_PEOPLE ?? 100_000);
const EVENTS = Number(process.env.BENCH_AUD_EVENTS ?? 1_000_000);
const AUDIENCES = Number(process.env.BENCH_AUD_COUNT ?? 100);
const NEW_EVENTS = Number(process.env.BENCH_AUD_NEW ?? 20_000);
const DUE = Number(process.env.BENCH_AUD_DUE ?? 2_000);
const NAMES = ['purchase', 'refund', 'level_up', 'add_to_cart', 'checkout', 'tutorial', 'share', 'login', 'search', 'rate'];
const h = harness('lookback_bench_audiences', 4600);
const seconds = (t0) => (performance.now() - t0) / 1000;

function rule(n) {
  const name = NAMES[n % NAMES.length];
  const other = NAMES[(n + 3) % NAMES.length];
  switch (n % 5) {
    case 0: return { event: name, withinDays: 7 + (n % 30) };
    case 1: return { all: [{ event: name, withinDays: 30, count: { gte: 2 } }, { not: { event: 'refund', withinDays: 7 } }] };
    case 2: return { event: 'purchase', withinDays: 60, revenueUsd: { gte: n % 20 } };
    case 3: return { any: [{ event: name, withinDays: 3 }, { all: [{ event: other }, { installedWithinDays: 14 }] }] };
    default: return { all: [{ installedWithinDays: 30 }, { not: { event: name, withinDays: 14 } }] };
  }
}

async function until(db, sql, params, done, timeoutMs = 600_000) {
  const t0 = Date.now();
  for (;;) {
    const { rows } = await db.query(sql, params);
    if (done(rows[0])) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${sql}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dirtyLeft = (db) => until(db, `SELECT count(*)::int AS n FROM audience_dirty`, [], (r) => r.n === 0);

async function main() {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const webhookUrl = `http://127.0.0.1:${sink.address().port}/audience`;

  await h.fresh();
  h.start('admin-api');
  await h.healthy(h.admin);
  const app = await h.post('/v1/apps', { name: 'Audiences', platform: 'android', bundleId: 'com.audiences' });
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();

  console.log(`seeding ${PEOPLE.toLocaleString()} people and ${EVENTS.toLocaleString()} events …`);
  let t0 = performance.now();
  await db.query(
    `INSERT INTO installs (id, app_id, install_id, installed_at, customer_user_id, gaid, status)
     SELECT gen_random_uuid(), $1, 'i' || g, now() - ((g * 7919) % (60 * 86400)) * interval '1 second', 'u' || g, 'g' || g, 'organic'
       FROM generate_series(0, $2::int - 1) g`,
    [app.id, PEOPLE],
  );
  for (let from = 0; from < EVENTS; from += 500_000) {
    await db.query(
      `INSERT INTO events (id, app_id, source, event_id, install_id, user_id, name, occurred_at, received_at, revenue_usd, status)
       SELECT gen_random_uuid(), $1, 'sdk', 'e' || g, 'i' || (g % $4), 'u' || (g % $4), ($5::text[])[1 + g % 10],
              now() - ((g::bigint * 31) % (60 * 86400)) * interval '1 second', now(),
              CASE WHEN g % 10 = 0 THEN (g % 50)::numeric END, 'linked'
         FROM generate_series($2::int, $3::int) g`,
      [app.id, from, Math.min(from + 500_000, EVENTS) - 1, PEOPLE, NAMES],
    );
  }
  const seedSeconds = Number(seconds(t0).toFixed(1));

  for (let n = 0; n < AUDIENCES; n++) await h.post('/v1/audiences', { appId: app.id, name: `A${n}`, rule: rule(n), webhookUrl });
  // Steady state is measured on fresh data only: the creations' back-fills are dropped (one is measured below).
  await db.query(`TRUNCATE audience_dirty`);
  await db.query('ANALYZE');

  const worker = h.start('attribution-worker');
  await h.healthy(`http://127.0.0.1:${Number(new URL(h.admin).port) + 1}`);

  // 1. New events on random people, 500 rows per statement (the group-commit batch), as fast as PostgreSQL takes them.
  console.log(`evaluating ${NEW_EVENTS.toLocaleString()} new events against ${AUDIENCES} audiences …`);
  t0 = performance.now();
  for (let from = 0; from < NEW_EVENTS; from += 500) {
    await db.query(
      `INSERT INTO events (id, app_id, source, event_id, install_id, user_id, name, occurred_at, received_at, revenue_usd, status)
       SELECT gen_random_uuid(), $1, 'sdk', 'n' || g, 'i' || p, 'u' || p, ($4::text[])[1 + g % 10], now(), now(),
              CASE WHEN g % 4 = 0 THEN 9.99 END, 'linked'
         FROM generate_series($2::int, $3::int) g, LATERAL (SELECT (g::bigint * 104729) % $5 AS p) x`,
      [app.id, from, Math.min(from + 500, NEW_EVENTS) - 1, NAMES, PEOPLE],
    );
  }
  const committedSeconds = seconds(t0);
  await dirtyLeft(db);
  const steadySeconds = seconds(t0);
  const changes = (await db.query(`SELECT count(*)::int AS members FROM audience_members`)).rows[0].members;
  const webhooks = (await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE kind = 'webhook'`)).rows[0].n;

  // 2. A back-fill of one more audience over every person.
  console.log('back-filling one more audience …');
  t0 = performance.now();
  const created = await h.post('/v1/audiences', { appId: app.id, name: 'Backfill', rule: { event: 'purchase', withinDays: 30 }, webhookUrl });
  await dirtyLeft(db);
  const backfillSeconds = seconds(t0);
  const backfillSize = (await db.query(`SELECT count(*)::int AS n FROM audience_members WHERE audience_id = $1`, [created.id])).rows[0].n;

  // 3. The scheduler: DUE wake-ups due now, on a small audience and on one 50 times bigger.
  const scheduler = {};
  for (const [label, size] of [['small', Math.min(PEOPLE, DUE * 2)], ['large', PEOPLE]]) {
    const a = await h.post('/v1/audiences', { appId: app.id, name: `Due ${label}`, rule: { event: 'purchase', withinDays: 60 }, webhookUrl });
    await dirtyLeft(db);
    await db.query(
      `INSERT INTO audience_members (app_id, audience_id, member_key, device, entered_at)
       SELECT $1, $2, 'u:u' || g, '{}', now() FROM generate_series(0, $3::int - 1) g ON CONFLICT DO NOTHING`,
      [app.id, a.id, size],
    );
    await db.query(
      `INSERT INTO audience_wakeups (app_id, member_key, due_at)
       SELECT $1, 'u:u' || g, now() - interval '1 second' FROM generate_series(0, $2::int - 1) g
       ON CONFLICT (app_id, member_key) DO UPDATE SET due_at = excluded.due_at`,
      [app.id, DUE],
    );
    const members = (await db.query(`SELECT count(*)::int AS n FROM audience_members WHERE audience_id = $1`, [a.id])).rows[0].n;
    t0 = performance.now();
    await until(db, `SELECT count(*)::int AS n FROM audience_wakeups WHERE app_id = $1 AND due_at <= now()`, [app.id], (r) => r.n === 0);
    await dirtyLeft(db);
    const s = seconds(t0);
    scheduler[label] = { audienceSize: members, due: DUE, seconds: Number(s.toFixed(2)), msPerDueMember: Number(((s * 1000) / DUE).toFixed(3)) };
  }

  let workerPeakRssMb = null;
  try {
    workerPeakRssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))[1]) / 1024);
  } catch {}

  const result = {
    suite: 'audiences',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: os.loadavg()[0], note: 'shared machine: other engineers ran tests at the same time' },
    seeded: { people: PEOPLE, events: EVENTS, audiences: AUDIENCES, seedSeconds },
    steady: {
      newEvents: NEW_EVENTS,
      committedSeconds: Number(committedSeconds.toFixed(2)),
      evaluatedSeconds: Number(steadySeconds.toFixed(2)),
      eventsPerSecondProcessed: Math.round(NEW_EVENTS / steadySeconds),
      personAudienceEvaluationsPerSecond: Math.round((NEW_EVENTS * AUDIENCES) / steadySeconds),
      membersAfter: changes,
      webhookRows: webhooks,
    },
    backfill: { people: PEOPLE, seconds: Number(backfillSeconds.toFixed(2)), peoplePerSecond: Math.round(PEOPLE / backfillSeconds), members: backfillSize },
    scheduler,
    workerPeakRssMb,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/audiences-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('wrote', file);
  await db.end();
  sink.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => h.stop());
