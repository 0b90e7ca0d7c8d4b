// npm run bench:worker (after npm run bench): the attribution worker alone on the bench database's installs.
// Marks up to BENCH_INSTALLS decided installs pending again, queues them, and times one worker draining them.
// BENCH_PROFILE=1 writes a CPU profile to /tmp/lookback-prof.
import { harness } from './harness.mjs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
const h = harness('lookback_bench', 3100);
const db = new pg.Client({ connectionString: h.databaseUrl }); await db.connect();
await db.query('DELETE FROM delivery_attempts');
await db.query('DELETE FROM deliveries');
await db.query(
  "UPDATE installs SET status = 'pending', campaign_id = NULL, touch_id = NULL, explanation = NULL WHERE id IN (SELECT id FROM installs ORDER BY id LIMIT $1)",
  [Number(process.env.BENCH_INSTALLS ?? 6000)],
);
const redis = new Redis(); const keys = await redis.keys('lookback_bench:*'); if (keys.length) await redis.del(...keys);
const { Queue } = await import('bullmq');
const q = new Queue('attribution', { connection: { host: '127.0.0.1', port: 6379 }, prefix: 'lookback_bench' });
const ids = (await db.query("SELECT id FROM installs WHERE status='pending'")).rows.map(r => r.id);
await q.addBulk(ids.map(id => ({ name: 'attribute-install', data: { installId: id }, opts: { jobId: id, removeOnComplete: true } })));
// The network's postback endpoint, as in npm run bench.
const sink = createServer((req, res) => res.end('ok'));
await new Promise((r) => sink.listen(3199, '127.0.0.1', r));
const t0 = performance.now();
const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/lookback-prof'] : []), 'dist/apps/attribution-worker/apps/attribution-worker/src/main.js'], { env: h.env, stdio: 'inherit' });
for (;;) { const n = Number((await db.query("SELECT count(*) n FROM installs WHERE status='pending'")).rows[0].n); if (n === 0) break; await new Promise(r => setTimeout(r, 200)); }
const seconds = (performance.now() - t0) / 1000;
const result = { at: new Date().toISOString(), worker: { installs: ids.length, drainSeconds: Number(seconds.toFixed(1)), decisionsPerSecond: Math.round(ids.length / seconds) } };
console.log('drained', ids.length, 'in', seconds.toFixed(1), 's =', result.worker.decisionsPerSecond, '/s');
const { mkdirSync, writeFileSync } = await import('node:fs');
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/worker-${result.at.replace(/[:.]/g, '-')}.json`, JSON.stringify(result, null, 2) + '\n');
child.kill('SIGINT'); await new Promise(r => child.on('exit', r)); await q.close(); redis.disconnect(); await db.end(); sink.close();
