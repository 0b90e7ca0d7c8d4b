// npm run bench [-- --quick]: builds (npm script), then measures the built processes on a database of their own and
// writes bench/results/<name>.json plus a printed table. Figures, never assertions. See bench/README.md.
//   1. /c, /i, /p under wrk (64 connections) BESIDE a bare node:http server answering the same 302/GIF, alternating
//      rounds, as ratios; every answered click/hit counted in PostgreSQL; rows per commit and ingestion's CPU per
//      request; for each TRACKING_ROUTES variant (lean by default, fastify, nest; BENCH_TRACKING_ROUTES chooses).
//   2. signed installs and events (single and batch) under wrk, requests signed before the run: accepted/s, p99,
//      rows committed.
//   3. attribution: installs/s decided with 1M and 10M clicks stored (seeded with COPY), install→decision latency
//      p50/p99 under a steady half load.
//   4. peak RSS per process; then every bench/suites/*.mjs.
import { fork, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { harness } from './harness.mjs';
import { copyFrom } from './lib/copy.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { requireWrk, wrk } from './lib/wrk.mjs';
import { TRACKING_VARIANTS, trackingRounds, trackingTableRows } from './lib/tracking-load.mjs';
import { signedWrkLoad } from './lib/signed-load.mjs';

const QUICK = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const CLICKS = process.env.BENCH_CLICKS ? process.env.BENCH_CLICKS.split(',').map(Number) : QUICK ? [100_000] : [1_000_000, 10_000_000];
// BENCH_PHASES=attribution runs only some of the three phases (tracking, signed, attribution; all by default).
const PHASES = new Set((process.env.BENCH_PHASES ?? 'tracking,signed,attribution').split(',').map((x) => x.trim()));
const INSTALLS = Number(process.env.BENCH_INSTALLS ?? (QUICK ? 5_000 : 20_000));
requireWrk();

// BENCH_DB / BENCH_PORT: another database and port range, so two benches can run side by side.
const BASE_PORT = Number(process.env.BENCH_PORT ?? 3100);
const h = harness(process.env.BENCH_DB ?? 'lookback_bench', BASE_PORT);
const BARE_PORT = BASE_PORT + 90;
const SINK_PORT = BASE_PORT + 99;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Peak resident set (VmHWM) of a process, in MB. */
function peakRss(pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

async function setup() {
  const app = await h.post('/v1/apps', { name: 'Bench', platform: 'android', bundleId: 'com.bench', minCtitSeconds: 0 });
  const network = await h.post('/v1/networks', { name: 'Net', installPostbackUrl: `http://127.0.0.1:${SINK_PORT}/pb?c={click_id}&i={install_id}` });
  const campaign = await h.post('/v1/campaigns', {
    appId: app.id,
    networkId: network.id,
    name: 'Bench',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.bench&referrer=lookback_click_id%3D{lookback_click_id}',
  });
  return { app, campaign };
}

function signer(secret) {
  return (body) => ({
    'content-type': 'application/json',
    'x-lookback-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  });
}

/** Signed installs and events under wrk with pre-signed unique requests (bench/lib/signed-load.mjs). */
async function signedLoad(db, app) {
  const count = async (sql) => (await db.query(sql)).rows[0].n;
  const { preSigned, ...kinds } = await signedWrkLoad({ url: h.ingestion, app, count, seconds: SECONDS, kinds: ['installs', 'events', 'batch'] });
  return kinds;
}

/**
 * Clicks seeded with COPY (a million rows per statement), spread over the last 7 days: device `seed-<n>` makes 10
 * clicks (the installs name these devices), from some 440k addresses (a few to a few dozen clicks each).
 */
async function seedClicks(db, appId, campaignId, total) {
  const have = (await db.query('SELECT count(*)::int AS n FROM clicks')).rows[0].n;
  const devices = total / 10;
  const now = Date.now() - 60_000;
  const t0 = performance.now();
  for (let from = have; from < total; from += 1_000_000) {
    const to = Math.min(total, from + 1_000_000);
    async function* rows() {
      let text = '';
      for (let g = from; g < to; g++) {
        const ts = new Date(now - (g % 604800) * 1000).toISOString();
        text += `${randomUUID()}\t${appId}\t${campaignId}\t${ts}\tseed-${g % devices}\t10.${g % 250}.${Math.floor(g / 250) % 250}.${g % 7}\tandroid 14 pixel 8\n`;
        if (text.length > 256 * 1024) {
          yield text;
          text = '';
        }
      }
      if (text) yield text;
    }
    await copyFrom(db, 'COPY clicks (id, app_id, campaign_id, ts, gaid, ip, ua_key) FROM STDIN', rows());
  }
  // What autovacuum does to an insert-only table in production: the visibility map lets index-only scans skip the heap.
  await db.query('VACUUM (ANALYZE) clicks');
  if (total > have) console.log(`seeded ${total - have} clicks with COPY in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** Installs not decided yet, and postbacks not delivered yet (the worker's two queues of work). */
async function backlog(db) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM installs WHERE status = 'pending')::int AS installs,
            (SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending'))::int AS deliveries`,
  );
  return rows[0];
}

async function attribution(db, app, campaign, worker) {
  const out = {};
  const sign = signer(app.sdkSecret);
  for (const total of CLICKS) {
    await seedClicks(db, app.id, campaign.id, total);
    // Burst: INSTALLS installs with the worker stopped, then time the drain.
    await worker.stop();
    let k = 0;
    const body = () => JSON.stringify({ appId: app.id, installId: `a-${total}-${k}-${randomUUID()}`, installedAt: new Date().toISOString(), device: { gaid: `seed-${(k++ * 7919) % (total / 10)}` } });
    for (let sent = 0; sent < INSTALLS; ) {
      const chunk = Array.from({ length: Math.min(200, INSTALLS - sent) }, body);
      await Promise.all(chunk.map((b) => fetch(`${h.ingestion}/v1/installs`, { method: 'POST', headers: sign(b), body: b })));
      sent += chunk.length;
    }
    // Earlier phases (signed installs) left installs pending too: count what the worker really drains.
    const burst = (await backlog(db)).installs;
    const { startedAt: drainFrom } = (await db.query('SELECT now() AS "startedAt"')).rows[0];
    await worker.start();
    // CPU per decision (worker process + its PostgreSQL backends), from the first decision to the last.
    const meter = cpuMeter(db, h.databaseName, worker.pid());
    let first;
    let last;
    for (;;) {
      const left = (await backlog(db)).installs;
      const sample = await meter.sample();
      if (left < burst && !first) first = { left, sample };
      last = { left, sample };
      if (left === 0) break;
      await sleep(200);
    }
    const cpu = first ? meter.since(first.sample, last.sample) : { process: 0, postgres: 0 };
    const decidedMeasured = first ? first.left : 0;
    const cpuMsPerInstall = decidedMeasured > 0 ? { worker: Number(((cpu.process * 1000) / decidedMeasured).toFixed(3)), postgres: Number(((cpu.postgres * 1000) / decidedMeasured).toFixed(3)) } : undefined;
    // From the first decision to the last, read from the database: the worker's start-up is not counted.
    const span = (
      await db.query(
        `SELECT extract(epoch FROM max(decided_at) - min(decided_at)) AS s, count(*)::int AS n FROM installs
          WHERE decided_at >= $1`,
        [drainFrom],
      )
    ).rows[0];
    const drainSeconds = Math.max(0.001, Number(span.s));
    const rate = Math.round(burst / drainSeconds);
    const loadAfterBurst = Number(os.loadavg()[0].toFixed(2));
    // The burst's postbacks are queued behind it: let them go first, so the steady phase measures a steady state.
    while ((await backlog(db)).deliveries > 0) await sleep(200);
    // Steady half load: installs at half the drained rate for SECONDS; latency = decided_at - received_at.
    const half = Math.max(50, Math.floor(rate / 2));
    const startedAt = new Date();
    const deadline = performance.now() + SECONDS * 1000;
    while (performance.now() < deadline) {
      const tick = performance.now();
      const chunk = Array.from({ length: Math.ceil(half / 10) }, body);
      await Promise.all(chunk.map((b) => fetch(`${h.ingestion}/v1/installs`, { method: 'POST', headers: sign(b), body: b })));
      await sleep(Math.max(0, 100 - (performance.now() - tick)));
    }
    const sentFor = (performance.now() - (deadline - SECONDS * 1000)) / 1000;
    for (let i = 0; i < 100 && (await backlog(db)).installs > 0; i++) await sleep(200);
    const lat = (
      await db.query(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, count(*)::int AS n,
                count(*) FILTER (WHERE status = 'pending')::int AS pending
           FROM (SELECT extract(epoch FROM (decided_at - received_at)) * 1000 AS ms, status FROM installs WHERE received_at >= $1) x`,
        [startedAt],
      )
    ).rows[0];
    const offered = Math.round(lat.n / sentFor);
    const key = `${total / 1e6}M clicks`;
    out[key] = { installsPerSecond: rate, cpuMsPerInstall, burst, drainSeconds: Number(drainSeconds.toFixed(2)), loadAverage1m: loadAfterBurst, halfLoadPerSecond: half, offeredPerSecond: offered, latencyMs: { p50: Math.round(lat.p50), p99: Math.round(lat.p99) }, installsAtHalfLoad: lat.n, stillPending: lat.pending };
    console.log(`attribution with ${total} clicks: ${rate} installs/s (${burst} in ${drainSeconds.toFixed(1)} s, load ${loadAfterBurst}; CPU ms per install: worker ${cpuMsPerInstall?.worker}, PostgreSQL ${cpuMsPerInstall?.postgres}); at ${half}/s (sent ${offered}/s) install→decision p50 ${Math.round(lat.p50)} ms, p99 ${Math.round(lat.p99)} ms`);
  }
  return out;
}

/** BENCH_KEEP=1: the bench database of an earlier run, its clicks and its app kept (seeding 10M clicks takes minutes). */
async function kept() {
  if (!process.env.BENCH_KEEP) return undefined;
  const db = new pg.Client({ connectionString: h.databaseUrl });
  try {
    await db.connect();
  } catch {
    return undefined; // no such database yet
  }
  try {
    const { rows } = await db.query(
      `SELECT a.id, a.sdk_secret AS "sdkSecret", c.id AS "campaignId" FROM apps a JOIN campaigns c ON c.app_id = a.id
        WHERE a.name = 'Bench' ORDER BY a.created_at LIMIT 1`,
    );
    return rows[0] && { app: { id: rows[0].id, sdkSecret: rows[0].sdkSecret }, campaign: { id: rows[0].campaignId } };
  } catch {
    return undefined;
  } finally {
    await db.end();
  }
}

async function main() {
  const reuse = await kept();
  if (reuse) {
    await new Promise((resolve, reject) =>
      spawn(process.execPath, ['dist/apps/admin-api/apps/admin-api/src/migrate.js'], { env: h.env, stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited ${code}`)))),
    );
  } else {
    await h.fresh();
  }
  let postbacks = 0;
  const { createServer } = await import('node:http');
  const sink = createServer((req, res) => {
    postbacks++;
    res.end('ok');
  });
  await new Promise((r) => sink.listen(SINK_PORT, '127.0.0.1', r));
  const bare = fork('bench/lib/bare-server.mjs', [String(BARE_PORT)]);
  await new Promise((r) => bare.on('message', r));

  const admin = h.start('admin-api');
  let ingestion = h.start('ingestion');
  await Promise.all([h.healthy(h.admin), h.healthy(h.ingestion)]);
  const { app, campaign } = reuse ?? (await setup());
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  const load = os.loadavg()[0];

  // Each variant on a fresh ingestion process (the default one already runs); the default process serves the rest.
  const variants = PHASES.has('tracking')
    ? (process.env.BENCH_TRACKING_ROUTES ?? 'lean,fastify,nest').split(',').map((v) => v.trim()).filter((v) => TRACKING_VARIANTS[v])
    : [];
  const tracking = {};
  const ingestionRss = {};
  for (const v of variants) {
    ingestion.kill('SIGTERM');
    await new Promise((r) => ingestion.on('exit', r));
    ingestion = spawn(process.execPath, ['dist/apps/ingestion/apps/ingestion/src/main.js'], { env: { ...h.env, ...TRACKING_VARIANTS[v].env }, stdio: ['ignore', 'inherit', 'inherit'] });
    await h.healthy(h.ingestion);
    tracking[v] = await trackingRounds({ db, ingestionUrl: h.ingestion, bareUrl: `http://127.0.0.1:${BARE_PORT}`, app, campaign, label: v, pid: ingestion.pid, seconds: SECONDS, rounds: ROUNDS });
    ingestionRss[v] = peakRss(ingestion.pid);
  }
  if (variants.length > 0) {
    ingestion.kill('SIGTERM');
    await new Promise((r) => ingestion.on('exit', r));
    ingestion = h.start('ingestion');
    await h.healthy(h.ingestion);
  }

  let signedRes = {};
  if (PHASES.has('signed')) {
    signedRes = await signedLoad(db, app);
    console.log(`signed installs ${signedRes.installs.acceptedPerSecond}/s p99 ${signedRes.installs.p99Ms} ms; events ${signedRes.events.acceptedPerSecond}/s; batch ${signedRes.eventsBatch50.acceptedPerSecond} events/s`);
  }

  let workerProc;
  const worker = {
    start: async () => {
      // BENCH_PROFILE=1: the worker writes a CPU profile per run to /tmp/lookback-prof (read it with DevTools).
      workerProc = process.env.BENCH_PROFILE
        ? spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/lookback-prof', 'dist/apps/attribution-worker/apps/attribution-worker/src/main.js'], { env: h.env, stdio: ['ignore', 'inherit', 'inherit'] })
        : h.start('attribution-worker');
      await sleep(1500);
    },
    pid: () => workerProc?.pid,
    stop: async () => {
      if (!workerProc) return;
      workerProc.kill('SIGTERM');
      await new Promise((r) => workerProc.on('exit', r));
      workerRss = Math.max(workerRss, 0);
      workerProc = undefined;
    },
  };
  let workerRss = 0;
  const attr = PHASES.has('attribution') ? await attribution(db, app, campaign, worker) : {};
  if (workerProc) workerRss = peakRss(workerProc.pid);

  const result = {
    // A run of only some phases says which in its name (full-attribution-…), so it is not read as a full run.
    name: `${QUICK ? 'quick' : 'full'}${PHASES.size < 3 ? `-${[...PHASES].join('+')}` : ''}`,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverage1mAtStart: Number(load.toFixed(2)) },
    settings: { seconds: SECONDS, rounds: ROUNDS, connections: 64, loadGenerator: 'wrk -t2 -c64 (tracking; signed: pre-signed requests, bench/lib/signed.lua)' },
    // leanRoutes: the default (TRACKING_ROUTES=lean); fastifyRoutes: plain routes on Nest's Fastify; nestPipeline: Nest's.
    tracking: { leanRoutes: tracking.lean, fastifyRoutes: tracking.fastify, nestPipeline: tracking.nest },
    signed: signedRes,
    attribution: attr,
    postbacksReceived: postbacks,
    peakRssMb: { ingestion: ingestionRss, admin: peakRss(admin.pid), worker: workerRss },
    suites: {},
  };
  await db.end();
  await worker.stop();
  h.stop();
  bare.kill();
  sink.close();

  // BENCH_SUITES=web-tag,audiences runs only those suites; BENCH_SUITES=none skips them (all by default).
  const only = process.env.BENCH_SUITES?.split(',').map((x) => x.trim());
  const suites = readdirSync('bench/suites').filter((f) => f.endsWith('.mjs') && (!only || only.includes(f.replace(/\.mjs$/, ''))));
  for (const suite of suites.sort()) {
    const code = await new Promise((r) => spawn(process.execPath, [`bench/suites/${suite}`, ...(QUICK ? ['--quick'] : [])], { stdio: 'inherit' }).on('exit', r));
    result.suites[suite] = code === 0 ? 'ok' : `exit ${code}`;
  }

  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${result.name}-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const rows = [];
  for (const v of variants) rows.push(...trackingTableRows(tracking[v], TRACKING_VARIANTS[v].label));
  for (const [k, v] of Object.entries(signedRes)) rows.push([`signed ${k}`, `${v.acceptedPerSecond}/s`, '', `${v.p99Ms} ms`, v.rowsCommitted >= v.accepted ? 'all' : 'NO']);
  for (const [k, v] of Object.entries(attr)) rows.push([`attribution, ${k}`, `${v.installsPerSecond}/s (CPU ms/install: worker ${v.cpuMsPerInstall?.worker}, PostgreSQL ${v.cpuMsPerInstall?.postgres}; load ${v.loadAverage1m})`, '', `p50 ${v.latencyMs.p50} / p99 ${v.latencyMs.p99} ms at ${v.offeredPerSecond}/s offered`, '']);
  console.log('\n| what | rate | vs bare node:http | p99 | durable |\n| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`peak RSS MB: ${JSON.stringify(result.peakRssMb)}; load average at start ${result.machine.loadAverage1mAtStart}\nwritten ${file}`);
}

main().catch((err) => {
  console.error(err);
  h.stop();
  process.exitCode = 1;
});
