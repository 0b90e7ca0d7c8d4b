// node bench/tracking.mjs [--quick] (after npm run build): only the /c, /i, /p bench of npm run bench, on a database
// and ports of its own (lookback_bench_tracking, 3560–3561, bare server 3590), so it can run beside other benches.
// BENCH_TRACKING_ROUTES=lean,fastify,nest (default all) picks the variants, BENCH_ROUNDS repeats them (variants
// alternate within a round, so a before/after is measured back to back), BENCH_CPU_PROF=<dir> starts ingestion under
// `node --cpu-prof` and leaves one .cpuprofile per variant and round there. See bench/README.md.
import { fork, spawn } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { harness } from './harness.mjs';
import { TRACKING_VARIANTS, trackingRounds, trackingTableRows } from './lib/tracking-load.mjs';
import { requireWrk } from './lib/wrk.mjs';

const QUICK = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const PROFILE = process.env.BENCH_CPU_PROF;
const VARIANTS = (process.env.BENCH_TRACKING_ROUTES ?? 'lean,fastify,nest').split(',').map((v) => v.trim()).filter((v) => TRACKING_VARIANTS[v]);
const BARE_PORT = 3590;
requireWrk();

const h = harness('lookback_bench_tracking', 3560);

async function main() {
  await h.fresh();
  const bare = fork('bench/lib/bare-server.mjs', [String(BARE_PORT)]);
  await new Promise((r) => bare.on('message', r));
  const admin = h.start('admin-api');
  let ingestion;
  try {
    await h.healthy(h.admin);
    const app = await h.post('/v1/apps', { name: 'Bench', platform: 'android', bundleId: 'com.bench' });
    const network = await h.post('/v1/networks', { name: 'Net' });
    const campaign = await h.post('/v1/campaigns', {
      appId: app.id,
      networkId: network.id,
      name: 'Bench',
      destinationUrl: 'https://play.google.com/store/apps/details?id=com.bench&referrer=lookback_click_id%3D{lookback_click_id}',
    });
    const db = new pg.Client({ connectionString: h.databaseUrl });
    await db.connect();
    const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of VARIANTS) {
        const args = [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE)}`] : []), 'dist/apps/ingestion/apps/ingestion/src/main.js'];
        ingestion = spawn(process.execPath, args, { env: { ...h.env, ...TRACKING_VARIANTS[v].env }, stdio: ['ignore', 'inherit', 'inherit'] });
        await h.healthy(h.ingestion);
        results[v].push(await trackingRounds({ db, ingestionUrl: h.ingestion, bareUrl: `http://127.0.0.1:${BARE_PORT}`, app, campaign, label: `round ${r + 1} ${v}`, pid: ingestion.pid, seconds: SECONDS, rounds: 1 }));
        await new Promise((res) => {
          ingestion.once('exit', res);
          ingestion.kill('SIGTERM');
        });
        ingestion = undefined;
      }
    }
    await db.end();
    console.log('\n| what | rate | vs bare node:http | p99 | durable |\n| --- | --- | --- | --- | --- |');
    for (const v of VARIANTS) for (const res of results[v]) for (const row of trackingTableRows(res, TRACKING_VARIANTS[v].label)) console.log(`| ${row.join(' | ')} |`);
    console.log(`load average now ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    ingestion?.kill('SIGTERM');
    admin.kill('SIGTERM');
    bare.kill();
  }
}

main().catch((err) => {
  console.error(err);
  h.stop();
  process.exitCode = 1;
});
