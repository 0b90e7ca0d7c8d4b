// Report and cohort latency at 10M events (after `npm run build`: node bench/suites/reports.mjs).
// Seeds one app straight in SQL with generate_series, in batches of BENCH_BATCH rows per statement (each batch
// fires the rollup triggers once, as a group-commit batch would), then times the admin API's report endpoints
// over HTTP. BENCH_EVENTS (default 10M), BENCH_CLICKS (2M), BENCH_INSTALLS (200k). Figures, never assertions.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { harness } from '../harness.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const CLICKS = Number(process.env.BENCH_CLICKS ?? 2_000_000);
const INSTALLS = Number(process.env.BENCH_INSTALLS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const DAYS = 30;
const h = harness('lookback_bench_reports', 4500);

const seconds = (t0) => Number(((performance.now() - t0) / 1000).toFixed(1));

async function seed(db, appId, campaignIds) {
  const start = new Date(Date.now() - DAYS * 86_400_000);
  start.setUTCHours(0, 0, 0, 0);
  const params = [appId, campaignIds, start, DAYS];
  // Countries of 20 kinds; a day and hour spread over the 30 days.
  const country = `(ARRAY['US','DE','GB','FR','BR','IN','JP','CA','AU','ES','IT','MX','NL','SE','PL','TR','KR','ID','ZA','AR'])[1 + g % 20]`;
  const timings = {};
  let t0 = performance.now();
  for (let from = 0; from < CLICKS; from += BATCH) {
    await db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, country)
       SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + g % cardinality($2::uuid[])],
              $3::timestamptz + ((g::bigint * 7919) % ($4 * 86400)) * interval '1 second', 'g' || g, ${country}
         FROM generate_series($5::int, $6::int) g`,
      [...params, from, Math.min(from + BATCH, CLICKS) - 1],
    );
  }
  timings.clicksSeconds = seconds(t0);
  t0 = performance.now();
  // Installs arrive pending and are decided in one UPDATE per batch, as ingestion and the worker do.
  await db.query(
    `INSERT INTO installs (id, app_id, install_id, installed_at, gaid, country)
     SELECT gen_random_uuid(), $1, 'i' || g, $2::timestamptz + ((g::bigint * 104729) % ($3 * 86400)) * interval '1 second', 'g' || g, ${country}
       FROM generate_series(0, $4::int - 1) g`,
    [appId, start, DAYS, INSTALLS],
  );
  await db.query(
    `UPDATE installs SET status = CASE WHEN n % 10 < 7 THEN 'attributed' WHEN n % 10 = 7 THEN 'rejected' ELSE 'organic' END,
            campaign_id = CASE WHEN n % 10 < 8 THEN ($2::uuid[])[1 + n % cardinality($2::uuid[])] END, decided_at = now()
       FROM (SELECT id AS iid, row_number() OVER (ORDER BY id) AS n FROM installs WHERE app_id = $1) x
      WHERE id = x.iid`,
    [appId, campaignIds],
  );
  timings.installsSeconds = seconds(t0);
  t0 = performance.now();
  await db.query(`CREATE TEMP TABLE inst AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, installed_at, campaign_id, status FROM installs`);
  await db.query(`CREATE INDEX ON inst (n)`);
  for (let from = 0; from < EVENTS; from += BATCH) {
    // Events of an install, up to 40 days after it; one in 20 a refund; EUR and USD; all linked.
    await db.query(
      `INSERT INTO events (id, app_id, source, event_id, name, occurred_at, received_at, revenue, currency, revenue_usd,
                           status, install_ref, campaign_id, country)
       SELECT gen_random_uuid(), $1, 'sdk', 'e' || g, CASE WHEN g % 20 = 0 THEN 'refund' ELSE 'purchase' END,
              i.installed_at + ((g::bigint * 31) % (40 * 86400)) * interval '1 second', now(),
              CASE WHEN g % 20 = 0 THEN -0.99 ELSE 0.99 + g % 5 END, CASE WHEN g % 2 = 0 THEN 'USD' ELSE 'EUR' END,
              (CASE WHEN g % 20 = 0 THEN -0.99 ELSE 0.99 + g % 5 END) * CASE WHEN g % 2 = 0 THEN 1 ELSE 1.08 END,
              'linked', i.id, CASE WHEN i.status = 'attributed' THEN i.campaign_id END, ${country}
         FROM generate_series($2::int, $3::int) g JOIN inst i ON i.n = g % $4`,
      [appId, from, Math.min(from + BATCH, EVENTS) - 1, INSTALLS],
    );
    process.stdout.write(`  events ${Math.min(from + BATCH, EVENTS).toLocaleString()} / ${EVENTS.toLocaleString()}\r`);
  }
  timings.eventsSeconds = seconds(t0);
  timings.eventsPerSecond = Math.round(EVENTS / timings.eventsSeconds);
  return { start, timings };
}

async function time(url, key) {
  const ms = [];
  let status = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    status = res.status;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (p) => Number(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1));
  return { status, p50: at(0.5), p95: at(0.95), max: at(1) };
}

async function main() {
  await h.fresh();
  h.start('admin-api');
  await h.healthy(h.admin);
  const app = await h.post('/v1/apps', { name: 'Reports', platform: 'android', bundleId: 'com.reports' });
  const networks = [];
  for (let i = 0; i < 3; i++) networks.push((await h.post('/v1/networks', { name: `Net ${i}` })).id);
  const campaignIds = [];
  for (let i = 0; i < 20; i++) {
    campaignIds.push(
      (await h.post('/v1/campaigns', { appId: app.id, networkId: networks[i % 3], name: `C${i}`, destinationUrl: 'https://example.com/', costPerInstall: 1.25 })).id,
    );
  }
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  console.log(`seeding ${EVENTS.toLocaleString()} events, ${CLICKS.toLocaleString()} clicks, ${INSTALLS.toLocaleString()} installs …`);
  const { start, timings } = await seed(db, app.id, campaignIds);
  await db.query('ANALYZE');
  const sizes = (await db.query(
    `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM report_events)::int AS report_event_rows,
            (SELECT count(*) FROM cohort_revenue)::int AS cohort_rows`,
  )).rows[0];
  console.log('\nseeded', timings, sizes);

  const key = h.env.ADMIN_API_KEY;
  const from = start.toISOString();
  const to = new Date(start.getTime() + DAYS * 86_400_000).toISOString();
  const base = `${h.admin}/v1/reports`;
  const q = (extra) => new URLSearchParams({ appId: app.id, from, to, ...extra });
  const latency = {};
  for (const groupBy of ['day', 'campaign', 'network', 'country', 'total']) {
    latency[`campaigns?groupBy=${groupBy}`] = await time(`${base}/campaigns?${q({ groupBy })}`, key);
  }
  latency['cohorts (30 days, D0/D1/D7/D30)'] = await time(`${base}/cohorts?${q({})}`, key);
  // What a report read straight from raw rows would cost: one count and sum of the events alone.
  const t0 = performance.now();
  await db.query(`SELECT campaign_id, count(*), sum(revenue_usd) FROM events WHERE app_id = $1 GROUP BY 1`, [app.id]);
  const rawScanMs = Math.round(performance.now() - t0);

  const result = {
    suite: 'reports',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, note: 'shared machine: other engineers ran tests and benches at the same time' },
    seeded: { events: EVENTS, clicks: CLICKS, installs: INSTALLS, batchRows: BATCH, ...timings, ...sizes },
    runsPerEndpoint: RUNS,
    latencyMs: latency,
    rawScanOfEventsMs: rawScanMs,
  };
  console.table(Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, v])));
  console.log(`raw scan of events (count + sum by campaign): ${rawScanMs} ms`);
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/reports-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('wrote', file);
  await db.end();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => h.stop());
