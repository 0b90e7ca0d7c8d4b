// Scale-out on one machine (after `npm run build`: node bench/suites/scale-out.mjs [--quick]): 1 vs 2 ingestion
// processes and 1 vs 2 attribution workers against the same PostgreSQL and Redis, in alternating rounds.
//   - ingestion: wrk on /c, then on signed installs (a Lua script sending pre-signed unique bodies), either one wrk
//     (-t2 -c64) on one process or two wrk (-t1 -c32 each) in parallel on two processes: the same load generator
//     and connections either way. Every answered click counted in PostgreSQL; every accepted install unique.
//   - workers: a backlog of installs (each with a click to win, so each owes one postback) queued with no worker
//     running, then drained by one or two workers started together: installs/s between the first and the last
//     decision. Exactly once: the workers' own decision counters add up to the installs decided (none decided
//     twice), and the postback sink got one call per attributed install (none twice, none missing).
// Figures, never assertions; docs/scaling.md says how to read them on a 2-core machine.
// BENCH_SECONDS (default 10; 3 with --quick), BENCH_ROUNDS (3; 1 with --quick), BENCH_BACKLOG (10000; 3000 quick).
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { harness } from '../harness.mjs';
import { runWrk, writeRequests } from '../lib/signed-load.mjs';
import { requireWrk, wrk } from '../lib/wrk.mjs';

const QUICK = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? (QUICK ? 3000 : 10_000));
const CLICKS = QUICK ? 50_000 : 200_000;
const BASE = 4800; // ingestion 4800 (and 4810), admin 4801, worker health 4802 (and 4812)
const SINK_PORT = 4899;
const h = harness('lookback_bench_scale', BASE);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const tmp = mkdtempSync(join(os.tmpdir(), 'lookback-scale-'));

// --- processes this run starts, stopped by their pid -------------------------------------------------------
const children = new Set();
function startApp(app, env = {}) {
  const child = spawn(process.execPath, [`dist/apps/${app}/apps/${app}/src/main.js`], { env: { ...h.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.exited = new Promise((r) => child.once('exit', r));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
async function stopApp(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await child.exited;
}
const ingestionUrl = (k) => `http://127.0.0.1:${BASE + 10 * k}`;
/** Group-commit statements and rows written so far by ingestion process k (or the process at `base`) for `table`. */
async function commits(k, table, base = ingestionUrl(k)) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const pick = (what) => Number(new RegExp(`^lookback_group_commit_rows_${what}\\{table="${table}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { statements: pick('count'), rows: pick('sum') };
}
/** Statements and rows per statement between two readings over both processes. */
const perStatement = (before, after) => {
  const statements = after.reduce((s, x, i) => s + x.statements - before[i].statements, 0);
  const rows = after.reduce((s, x, i) => s + x.rows - before[i].rows, 0);
  return { statements, rowsPerStatement: statements ? Number((rows / statements).toFixed(1)) : null };
};
const readings = (table) => Promise.all([0, 1].map((k) => commits(k, table)));
/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(child) {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
const ingestionProcesses = [];
const cpuOf = () => ingestionProcesses.reduce((s, c) => s + cpuSeconds(c), 0);
const workerHealth = (k) => `http://127.0.0.1:${BASE + 2 + 10 * k}`;

// --- the stand-in ad network: postbacks per install ----------------------------------------------------------
const postbacks = new Map();
const sink = createServer((req, res) => {
  const id = new URL(req.url, 'http://x').searchParams.get('i');
  postbacks.set(id, (postbacks.get(id) ?? 0) + 1);
  res.end('ok');
});

// --- signed installs: requests signed before the run, cycled by bench/lib/signed.lua (no repeats) ------------
let fileNo = 0;
function signedRequests(app, count) {
  const file = join(tmp, `installs-${fileNo++}.txt`);
  const run = randomUUID().slice(0, 8);
  const now = new Date().toISOString();
  writeRequests(file, count, '/v1/installs', app.sdkSecret, (i) =>
    JSON.stringify({ appId: app.id, installId: `so-${run}-${i}`, installedAt: now, device: { gaid: randomUUID() } }),
  );
  return file;
}

// --- ingestion: 1 vs 2 processes -------------------------------------------------------------------------------
async function ingestionRounds(db, campaign, installApp) {
  const count = async (sql, args = []) => (await db.query(sql, args)).rows[0].n;
  const out = { clicks: { one: [], two: [] }, signedInstalls: { one: [], two: [] } };
  const path = `/c/${campaign.id}?click_id=abc&gaid=38400000-8cf0-11bd-b23e-10b96e40000d&site_id=s1`;
  // Enough unique bodies for the fastest rate seen here with room to spare (a body sent twice is a repeat, not an install).
  const perRun = SECONDS * 15_000;
  for (let r = 0; r < ROUNDS; r++) {
    for (const procs of [1, 2]) {
      const key = procs === 1 ? 'one' : 'two';
      const targets = procs === 1 ? [0] : [0, 1];
      const opts = procs === 1 ? { threads: 2, connections: 64 } : { threads: 1, connections: 32 };

      let before = await count('SELECT count(*)::int AS n FROM clicks');
      let statementsBefore = await readings('clicks');
      let cpuBefore = cpuOf();
      const clicks = await Promise.all(targets.map((k) => wrk(`${ingestionUrl(k)}${path}`, { seconds: SECONDS, ...opts })));
      await sleep(1500); // a late commit or a spool replay still counts
      const clickCommits = perStatement(statementsBefore, await readings('clicks'));
      const clickCpu = cpuOf() - cpuBefore;
      const clickRows = (await count('SELECT count(*)::int AS n FROM clicks')) - before;
      const answered = clicks.reduce((s, x) => s + x.answered, 0);
      out.clicks[key].push({
        requestsPerSecond: clicks.reduce((s, x) => s + x.requestsPerSecond, 0),
        perProcess: clicks.map((x) => x.requestsPerSecond),
        p99Ms: Math.max(...clicks.map((x) => x.latencyMs.p99 ?? 0)),
        answered,
        rowsCommitted: clickRows,
        allAnsweredCommitted: clickRows >= answered,
        groupCommit: clickCommits,
        ingestionCpuMsPerRequest: answered ? Number(((clickCpu * 1000) / answered).toFixed(3)) : null,
      });

      const files = targets.map(() => signedRequests(installApp, Math.ceil(perRun / procs)));
      before = await count('SELECT count(*)::int AS n FROM installs WHERE app_id = $1', [installApp.id]);
      statementsBefore = await readings('installs');
      cpuBefore = cpuOf();
      const signed = await Promise.all(targets.map((k, i) => runWrk(ingestionUrl(k), files[i], { seconds: SECONDS, ...opts })));
      await sleep(1500);
      const installCommits = perStatement(statementsBefore, await readings('installs'));
      const installCpu = cpuOf() - cpuBefore;
      const rows = (await count('SELECT count(*)::int AS n FROM installs WHERE app_id = $1', [installApp.id])) - before;
      const ok = signed.reduce((s, x) => s + x.accepted, 0);
      out.signedInstalls[key].push({
        requestsPerSecond: signed.reduce((s, x) => s + x.acceptedPerSecond, 0),
        perProcess: signed.map((x) => x.acceptedPerSecond),
        p99Ms: Math.max(...signed.map((x) => x.p99Ms)),
        accepted: ok,
        newRows: rows,
        // Each accepted request was a new installId (none ran out and came round again) and each is stored.
        uniqueAndDurable: rows >= ok && signed.every((x) => !x.ranOut),
        non2xx: signed.reduce((s, x) => s + x.non2xx, 0),
        groupCommit: installCommits,
        ingestionCpuMsPerRequest: ok ? Number(((installCpu * 1000) / ok).toFixed(3)) : null,
      });
      const c = out.clicks[key].at(-1);
      console.log(`ingestion ×${procs}: /c ${c.requestsPerSecond}/s (rows ≥ answers: ${c.allAnsweredCommitted}; ${c.groupCommit.rowsPerStatement} rows per statement); signed installs ${out.signedInstalls[key].at(-1).requestsPerSecond}/s (${rows} new rows for ${ok} answers; ${installCommits.rowsPerStatement} rows per statement)`);
      for (const f of files) rmSync(f, { force: true });
    }
  }
  const summary = (rounds) => ({ requestsPerSecond: spread(rounds.map((x) => x.requestsPerSecond)), rounds });
  return {
    clicks: { one: summary(out.clicks.one), two: summary(out.clicks.two) },
    signedInstalls: { one: summary(out.signedInstalls.one), two: summary(out.signedInstalls.two) },
  };
}

// --- workers: 1 vs 2 draining the same backlog -------------------------------------------------------------------
async function seedClicks(db, appId, campaignId) {
  await db.query(
    `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, ua_key)
     SELECT gen_random_uuid(), $1, $2, now() - (g % 86400) * interval '1 second' - interval '1 minute',
            'seed-' || g, ('10.' || (g % 250) || '.' || (g / 250 % 250) || '.' || (g % 7))::inet, 'android 14 pixel 8'
       FROM generate_series(0, $3::int - 1) g`,
    [appId, campaignId, CLICKS],
  );
  await db.query('ANALYZE clicks');
}

async function decisionsCounted(k) {
  const text = await (await fetch(`${workerHealth(k)}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^lookback_attribution_decisions_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

async function workerRounds(db, app) {
  const { Queue } = await import('bullmq');
  // Paused while the backlog is queued and the workers boot, so that two workers start on it together.
  const queue = new Queue('attribution', { connection: { url: h.env.REDIS_URL }, prefix: h.env.QUEUE_PREFIX });
  const sign = (b) => ({ 'content-type': 'application/json', 'x-lookback-signature': `sha256=${createHmac('sha256', app.sdkSecret).update(b).digest('hex')}` });
  const out = { one: [], two: [] };
  let seq = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const procs of [1, 2]) {
      // The backlog: installs queued while no worker runs, each on a device with a seeded click.
      const tag = `w${r}-${procs}-${randomUUID().slice(0, 8)}`;
      await queue.pause();
      for (let sent = 0; sent < BACKLOG; ) {
        const chunk = Array.from({ length: Math.min(200, BACKLOG - sent) }, () =>
          JSON.stringify({ appId: app.id, installId: `${tag}-${sent++}`, installedAt: new Date().toISOString(), device: { gaid: `seed-${(seq++ * 7919) % CLICKS}` } }),
        );
        const answers = await Promise.all(chunk.map((b) => fetch(`${ingestionUrl(0)}/v1/installs`, { method: 'POST', headers: sign(b), body: b })));
        if (answers.some((a) => a.status !== 202)) throw new Error(`backlog install answered ${answers.find((a) => a.status !== 202).status}`);
      }
      const like = `${tag}-%`;
      const workers = Array.from({ length: procs }, (_, k) => startApp('attribution-worker', { WORKER_HEALTH_PORT: String(BASE + 2 + 10 * k) }));
      await Promise.all(workers.map((_, k) => h.healthy(workerHealth(k))));
      await queue.resume();
      for (;;) {
        const pending = (await db.query(`SELECT count(*)::int AS n FROM installs WHERE app_id = $1 AND install_id LIKE $2 AND status = 'pending'`, [app.id, like])).rows[0].n;
        if (pending === 0) break;
        await sleep(200);
      }
      const decided = (
        await db.query(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'attributed')::int AS attributed,
                  extract(epoch FROM max(decided_at) - min(decided_at)) AS seconds, array_agg(id::text) FILTER (WHERE status = 'attributed') AS ids
             FROM installs WHERE app_id = $1 AND install_id LIKE $2`,
          [app.id, like],
        )
      ).rows[0];
      // Every owed postback sent (or 60 s), then the sink's account of this round's installs.
      for (let i = 0; i < 300; i++) {
        const open = (await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE app_id = $1 AND status NOT IN ('delivered', 'failed', 'unknown')`, [app.id])).rows[0].n;
        if (open === 0) break;
        await sleep(200);
      }
      await sleep(500);
      const counted = await Promise.all(workers.map((_, k) => decisionsCounted(k)));
      // Installs per decision batch (each batch: about eight reads and one write, whatever its size).
      const batches = await Promise.all(workers.map((_, k) => commits(k, 'attribution', workerHealth(k))));
      const batchCount = batches.reduce((s, x) => s + x.statements, 0);
      await Promise.all(workers.map(stopApp));
      const calls = (decided.ids ?? []).map((id) => postbacks.get(id) ?? 0);
      const row = {
        installs: decided.n,
        installsPerSecond: Math.round(decided.n / Math.max(0.001, Number(decided.seconds))),
        decisionsCountedByWorkers: counted,
        batches: batchCount,
        installsPerBatch: batchCount ? Number((batches.reduce((s, x) => s + x.rows, 0) / batchCount).toFixed(1)) : null,
        decidedTwice: counted.reduce((s, x) => s + x, 0) - decided.n,
        attributed: decided.attributed,
        postbacksMissing: calls.filter((c) => c === 0).length,
        postbacksDuplicated: calls.filter((c) => c > 1).length,
      };
      out[procs === 1 ? 'one' : 'two'].push(row);
      console.log(`workers ×${procs}: ${row.installsPerSecond} installs/s over ${row.installs} (per worker ${counted.join(' + ')}, ${row.installsPerBatch} per batch); decided twice ${row.decidedTwice}, postbacks missing ${row.postbacksMissing}, duplicated ${row.postbacksDuplicated}`);
    }
  }
  const summary = (rounds) => ({
    installsPerSecond: spread(rounds.map((x) => x.installsPerSecond)),
    exactlyOnce: rounds.every((x) => x.decidedTwice <= 0 && x.postbacksMissing === 0 && x.postbacksDuplicated === 0),
    rounds,
  });
  await queue.close();
  return { one: summary(out.one), two: summary(out.two) };
}

async function main() {
  requireWrk();
  await h.fresh();
  await new Promise((r) => sink.listen(SINK_PORT, '127.0.0.1', r));
  startApp('admin-api');
  ingestionProcesses.push(startApp('ingestion'), startApp('ingestion', { INGESTION_PORT: String(BASE + 10) }));
  await Promise.all([h.healthy(h.admin), h.healthy(ingestionUrl(0)), h.healthy(ingestionUrl(1))]);
  const loadAtStart = os.loadavg();

  const app = await h.post('/v1/apps', { name: 'Scale', platform: 'android', bundleId: 'com.scale', minCtitSeconds: 0 });
  const installApp = await h.post('/v1/apps', { name: 'Scale installs', platform: 'android', bundleId: 'com.scale.installs' });
  const network = await h.post('/v1/networks', { name: 'Net', installPostbackUrl: `http://127.0.0.1:${SINK_PORT}/pb?c={click_id}&i={install_id}` });
  const campaign = await h.post('/v1/campaigns', {
    appId: app.id,
    networkId: network.id,
    name: 'Scale',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.scale&referrer=lookback_click_id%3D{lookback_click_id}',
  });
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();

  const ingestion = await ingestionRounds(db, campaign, installApp);
  // The signed-install rounds' installs (an app of their own) are not part of the worker rounds' backlog: their
  // rows and jobs go, so that each worker round decides exactly its own installs.
  await db.query('DELETE FROM installs WHERE app_id = $1', [installApp.id]);
  const { Queue } = await import('bullmq');
  const queue = new Queue('attribution', { connection: { url: h.env.REDIS_URL }, prefix: h.env.QUEUE_PREFIX });
  await queue.obliterate({ force: true });
  await queue.close();
  await seedClicks(db, app.id, campaign.id);
  const workers = await workerRounds(db, app);

  const ratio = (x) => Number((x.two.requestsPerSecond?.median ?? x.two.installsPerSecond.median) / (x.one.requestsPerSecond?.median ?? x.one.installsPerSecond.median)).toFixed(2);
  const result = {
    suite: 'scale-out',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart: loadAtStart.map((x) => Number(x.toFixed(2))), loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
    settings: { seconds: SECONDS, rounds: ROUNDS, backlog: BACKLOG, clicksSeeded: CLICKS, load: 'one wrk -t2 -c64 on one process, or two wrk -t1 -c32 in parallel on two' },
    ingestion,
    workers,
    twoOverOne: { clicks: Number(ratio(ingestion.clicks)), signedInstalls: Number(ratio(ingestion.signedInstalls)), workers: Number(ratio(workers)) },
  };
  await db.end();
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/scale-out-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('\n| what | 1 process | 2 processes | 2 ÷ 1 |\n| --- | --- | --- | --- |');
  const m = (s) => `${s.median}/s (${s.min}–${s.max})`;
  console.log(`| /c | ${m(ingestion.clicks.one.requestsPerSecond)} | ${m(ingestion.clicks.two.requestsPerSecond)} | ${result.twoOverOne.clicks} |`);
  console.log(`| signed installs | ${m(ingestion.signedInstalls.one.requestsPerSecond)} | ${m(ingestion.signedInstalls.two.requestsPerSecond)} | ${result.twoOverOne.signedInstalls} |`);
  console.log(`| attribution workers | ${m(workers.one.installsPerSecond)} | ${m(workers.two.installsPerSecond)} | ${result.twoOverOne.workers} |`);
  console.log(`exactly once: 1 worker ${workers.one.exactlyOnce}, 2 workers ${workers.two.exactlyOnce}; load average at start ${result.machine.loadAverageAtStart.join(' ')}\nwrote ${file}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all([...children].map(stopApp));
    sink.close();
    rmSync(tmp, { recursive: true, force: true });
  });
