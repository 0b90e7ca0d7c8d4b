// node bench/signed.mjs [--quick] (after npm run build): only the signed ingestion bench of npm run bench, on a
// database and ports of its own (lookback_bench_signed, 3540–3541), so it can run beside other benches, and
// repeated BENCH_ROUNDS times. BENCH_CPU_PROF=<dir> starts ingestion under `node --cpu-prof` and leaves the
// .cpuprofile there (written when ingestion stops). See bench/README.md.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { harness } from './harness.mjs';
import { cpuSeconds } from './lib/cpu.mjs';
import { signedWrkLoad } from './lib/signed-load.mjs';
import { requireWrk } from './lib/wrk.mjs';

const QUICK = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const PROFILE = process.env.BENCH_CPU_PROF;
requireWrk();

const h = harness('lookback_bench_signed', 3540);

async function main() {
  await h.fresh();
  const admin = h.start('admin-api');
  const args = [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE)}`] : []), 'dist/apps/ingestion/apps/ingestion/src/main.js'];
  const ingestion = spawn(process.execPath, args, { env: h.env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await Promise.all([h.healthy(h.admin), h.healthy(h.ingestion)]);
    const app = await h.post('/v1/apps', { name: 'Bench', platform: 'android', bundleId: 'com.bench' });
    const db = new pg.Client({ connectionString: h.databaseUrl });
    await db.connect();
    const count = async (sql) => (await db.query(sql)).rows[0].n;
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const load = os.loadavg()[0].toFixed(2);
      const res = await signedWrkLoad({ url: h.ingestion, app, count, seconds: SECONDS, cpuSeconds: () => cpuSeconds(ingestion.pid) });
      // Rows per group-commit statement and statement time so far (ingestion's own histograms).
      const metrics = await (await fetch(`${h.ingestion}/metrics`)).text();
      const stat = (name, table) => Number(new RegExp(`^${name}\\{table="${table}"\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
      const groupCommit = Object.fromEntries(['installs', 'events'].map((t) => [t, {
        rowsPerStatement: Number((stat('lookback_group_commit_rows_sum', t) / stat('lookback_group_commit_rows_count', t)).toFixed(1)),
        msPerStatement: Number(((1000 * stat('lookback_group_commit_seconds_sum', t)) / stat('lookback_group_commit_seconds_count', t)).toFixed(1)),
      }]));
      rounds.push({ loadAverage1m: Number(load), ...res, groupCommit });
      const line = (k) => !res[k] ? '' : `${k} ${res[k].acceptedPerSecond}/s p99 ${res[k].p99Ms} ms cpu ${res[k].ingestionCpuUsPerRow} µs/row non-2xx ${res[k].non2xx} rows ${res[k].rowsCommitted >= res[k].accepted ? 'all' : `MISSING ${res[k].accepted - res[k].rowsCommitted}`}`;
      console.log(`round ${r + 1} (load ${load}): ${['installs', 'events', 'eventsBatch50'].map(line).filter(Boolean).join('; ')}; group commit ${JSON.stringify(groupCommit)}`);
    }
    await db.end();
    console.log(JSON.stringify(rounds));
  } finally {
    await new Promise((r) => {
      ingestion.once('exit', r);
      ingestion.kill('SIGTERM');
    });
    admin.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  h.stop();
  process.exitCode = 1;
});
