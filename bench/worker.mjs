// npm run bench:worker (after npm run bench): the attribution worker alone on the bench database's installs.
// Marks up to BENCH_INSTALLS decided installs pending again, queues them, and times one worker draining them.
// BENCH_PROFILE=1 writes a CPU profile to /tmp/lookback-prof. BENCH_DB / BENCH_PORT as for npm run bench.
import { harness } from './harness.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
const NAME = process.env.BENCH_DB ?? 'lookback_bench';
const BASE_PORT = Number(process.env.BENCH_PORT ?? 3100);
const h = harness(NAME, BASE_PORT);
const db = new pg.Client({ connectionString: h.databaseUrl }); await db.connect();
await db.query('DELETE FROM delivery_attempts');
await db.query('DELETE FROM deliveries');
await db.query(
  "UPDATE installs SET status = 'pending', campaign_id = NULL, touch_id = NULL, explanation = NULL WHERE id IN (SELECT id FROM installs ORDER BY id LIMIT $1)",
  [Number(process.env.BENCH_INSTALLS ?? 6000)],
);
const redis = new Redis(); const keys = await redis.keys(`${NAME}:*`); if (keys.length) await redis.del(...keys);
const { Queue } = await import('bullmq');
const q = new Queue('attribution', { connection: { host: '127.0.0.1', port: 6379 }, prefix: NAME });
const ids = (await db.query("SELECT id, app_id FROM installs WHERE status='pending'")).rows;
await q.addBulk(ids.map((r) => ({ name: 'attribute-install', data: { installId: r.id, appId: r.app_id }, opts: { jobId: r.id, removeOnComplete: true } })));
// The network's postback endpoint, as in npm run bench.
const sink = createServer((req, res) => res.end('ok'));
await new Promise((r) => sink.listen(BASE_PORT + 99, '127.0.0.1', r));
const t0 = performance.now();
const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/lookback-prof'] : []), 'dist/apps/attribution-worker/apps/attribution-worker/src/main.js'], { env: h.env, stdio: 'inherit' });
// CPU of the worker and its PostgreSQL backends from the first decision to the last (start-up not counted).
const meter = cpuMeter(db, NAME, child.pid);
let first;
let last;
for (;;) {
  const n = Number((await db.query("SELECT count(*) n FROM installs WHERE status='pending'")).rows[0].n);
  const sample = await meter.sample();
  if (n < ids.length && !first) first = { n, sample };
  last = { n, sample };
  if (n === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
const seconds = (performance.now() - t0) / 1000;
const cpu = meter.since(first.sample, last.sample);
const os = await import('node:os');
const result = {
  at: new Date().toISOString(),
  loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
  worker: {
    installs: ids.length,
    drainSeconds: Number(seconds.toFixed(1)),
    decisionsPerSecond: Math.round(ids.length / seconds),
    steadyDecisionsPerSecond: Math.round(first.n / cpu.wallSeconds),
    cpuMsPerInstall: { worker: Number(((cpu.process * 1000) / first.n).toFixed(3)), postgres: Number(((cpu.postgres * 1000) / first.n).toFixed(3)) },
  },
};
console.log('drained', ids.length, 'in', seconds.toFixed(1), 's =', result.worker.decisionsPerSecond, '/s (first to last decision', result.worker.steadyDecisionsPerSecond, '/s); CPU ms per install', JSON.stringify(result.worker.cpuMsPerInstall), 'load', result.loadAverage1m);
const { mkdirSync, writeFileSync } = await import('node:fs');
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/worker-${result.at.replace(/[:.]/g, '-')}.json`, JSON.stringify(result, null, 2) + '\n');
child.kill('SIGINT'); await new Promise(r => child.on('exit', r)); await q.close(); redis.disconnect(); await db.end(); sink.close();
