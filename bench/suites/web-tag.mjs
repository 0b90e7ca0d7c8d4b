// The web tag (after `npm run build`: node bench/suites/web-tag.mjs): its size as served (raw, gzip, brotli),
// and the pixel's throughput with the query the tag sends for a page view (url, ref, uid, lcid) under wrk, beside
// a bare node:http server answering the same GIF, alternating rounds, every answered hit counted in PostgreSQL.
// Figures, never assertions. BENCH_SECONDS (default 10; 3 with --quick), BENCH_ROUNDS (3; 1 with --quick).
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { harness } from '../harness.mjs';
import { requireWrk, wrk } from '../lib/wrk.mjs';

const QUICK = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const BARE_PORT = 4790;
const h = harness('lookback_bench_webtag', 4700);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  requireWrk();
  const tag = readFileSync('dist/web-tag/t.js');
  const size = { rawBytes: tag.length, gzipBytes: gzipSync(tag, { level: 9 }).length, brotliBytes: brotliCompressSync(tag).length };
  console.log(`t.js: ${size.rawBytes} B raw, ${size.gzipBytes} B gzip, ${size.brotliBytes} B brotli`);

  await h.fresh();
  const bare = fork('bench/lib/bare-server.mjs', [String(BARE_PORT)]);
  await new Promise((r) => bare.on('message', r));
  h.start('admin-api');
  h.start('ingestion');
  await Promise.all([h.healthy(h.admin), h.healthy(h.ingestion)]);
  const app = await h.post('/v1/apps', { name: 'Shop', platform: 'web', bundleId: 'shop.example' });
  const served = await fetch(`${h.ingestion}/t.js`, { headers: { 'accept-encoding': 'gzip, br' } });
  const servedBytes = (await served.arrayBuffer()).byteLength;
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();

  // What the tag sends for a page view of a visitor who came from a tracked click and was identified.
  const path = `/p/${app.id}.gif?e=page_view&url=${encodeURIComponent('https://shop.example/products/blue-shoes?utm_source=net')}` +
    `&ref=${encodeURIComponent('https://shop.example/')}&uid=user-42&lcid=0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b`;
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await wrk(`http://127.0.0.1:${BARE_PORT}${path}`, { seconds: SECONDS });
    const before = (await db.query(`SELECT count(*)::int AS n FROM events WHERE source = 'pixel'`)).rows[0].n;
    const lb = await wrk(`${h.ingestion}${path}`, { seconds: SECONDS });
    await sleep(1500);
    const rows = (await db.query(`SELECT count(*)::int AS n FROM events WHERE source = 'pixel'`)).rows[0].n - before;
    rounds.push({ bare: b.requestsPerSecond, lookback: lb.requestsPerSecond, ratio: Number((lb.requestsPerSecond / b.requestsPerSecond).toFixed(3)), p99Ms: lb.latencyMs.p99, answered: lb.answered, rowsCommitted: rows });
  }
  const result = {
    suite: 'web-tag',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: os.loadavg()[0] },
    tag: { ...size, decodedBytes: servedBytes, contentEncoding: served.headers.get('content-encoding'), cacheControl: served.headers.get('cache-control'), etag: served.headers.get('etag') },
    pixelWithTagQuery: { path: path.replace(app.id, '{appId}'), seconds: SECONDS, rounds, allAnsweredCommitted: rounds.every((x) => x.rowsCommitted >= x.answered) },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/web-tag-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('wrote', file);
  await db.end();
  bare.kill();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => h.stop());
