// Signed installs and events under wrk: every request is signed in Node BEFORE the run and written to a file that
// bench/lib/signed.lua cycles through, so the load generator does no HMAC and no JSON while it measures (autocannon
// did both per request and spent one of the two cores). Every request carries a new installId/eventId, so each
// accepted one is a new durable row: rows are counted in PostgreSQL after the run (accepted ≤ rows committed).
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWrk } from './wrk.mjs';

const LUA = fileURLToPath(new URL('./signed.lua', import.meta.url));
/** Requests signed per second of run: above any rate this machine reaches, so no thread runs out. */
const INSTALLS_PER_SECOND_CAP = Number(process.env.BENCH_SIGNED_CAP ?? 15_000);
const BATCH = 50;
/** BENCH_SIGNED=installs,events,batch (default all): which of the three runs. */
const KINDS = (process.env.BENCH_SIGNED ?? 'installs,events,batch').split(',').map((k) => k.trim());

/** Writes `count` pre-signed requests, one per line: path, signature, body (JSON has no raw tab or newline). */
export function writeRequests(file, count, path, secret, makeBody) {
  const fd = openSync(file, 'w');
  let chunk = [];
  for (let i = 0; i < count; i++) {
    const body = makeBody(i);
    chunk.push(`${path}\tsha256=${createHmac('sha256', secret).update(body).digest('hex')}\t${body}\n`);
    if (chunk.length === 5000) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  if (chunk.length) writeSync(fd, chunk.join(''));
  closeSync(fd);
}

/** One wrk run over a request file; answers accepted (2xx) per second, latency and errors. */
export async function runWrk(url, file, { seconds, connections, threads }) {
  const out = await new Promise((resolve, reject) => {
    const c = spawn(requireWrk(), ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', LUA, url], {
      env: { ...process.env, LB_REQUESTS: file, LB_THREADS: String(threads) },
    });
    let text = '';
    c.stdout.on('data', (d) => (text += d));
    c.stderr.on('data', (d) => (text += d));
    c.on('error', reject);
    c.on('exit', () => resolve(text));
  });
  const line = /^LB_RESULT (.*)$/m.exec(out);
  if (!line) throw new Error(`wrk gave no result:\n${out}`);
  const r = JSON.parse(line[1]);
  const accepted = r.requests - r.non2xx;
  return {
    accepted,
    acceptedPerSecond: Math.round(accepted / (r.durationUs / 1e6)),
    p50Ms: Number((r.p50Us / 1000).toFixed(1)),
    p99Ms: Number((r.p99Us / 1000).toFixed(1)),
    non2xx: r.non2xx,
    socketErrors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts,
    ranOut: r.exhaustedThreads > 0,
  };
}

/**
 * Signed installs, single events and batches of 50 events, one after the other. `count(sql)` answers a row count.
 * Answers per kind {acceptedPerSecond, p99Ms, accepted, rowsCommitted, non2xx, …}.
 */
export async function signedWrkLoad({ url, app, count, seconds, connections = 64, threads = 2, kinds = KINDS, cpuSeconds }) {
  const dir = join(tmpdir(), `lookback-signed-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const run = randomUUID().slice(0, 8);
  const n = Math.ceil(INSTALLS_PER_SECOND_CAP * seconds);
  const now = new Date().toISOString();
  const files = { installs: join(dir, 'installs.txt'), events: join(dir, 'events.txt'), batch: join(dir, 'batch.txt') };
  const t0 = performance.now();
  writeRequests(files.installs, n, '/v1/installs', app.sdkSecret, (i) =>
    JSON.stringify({ appId: app.id, installId: `b-${run}-${i}`, installedAt: now, device: { gaid: randomUUID() } }),
  );
  const ev = (k) => ({ eventId: `e-${run}-${k}`, installId: `b-${run}-0`, name: 'purchase', occurredAt: now, revenue: 1.5, currency: 'USD' });
  writeRequests(files.events, n, '/v1/events', app.sdkSecret, (i) => JSON.stringify({ appId: app.id, ...ev(i) }));
  writeRequests(files.batch, Math.ceil((4 * n) / BATCH), '/v1/events/batch', app.sdkSecret, (i) =>
    JSON.stringify({ appId: app.id, events: Array.from({ length: BATCH }, (_, j) => ev(`b${i}-${j}`)) }),
  );
  const signedMs = Math.round(performance.now() - t0);
  const options = { seconds, connections, threads };
  const installsSql = 'SELECT count(*)::int AS n FROM installs';
  const eventsSql = "SELECT count(*)::int AS n FROM events WHERE source = 'sdk'";
  try {
    const out = { preSigned: { installs: n, events: n, batches: Math.ceil((4 * n) / BATCH), ms: signedMs } };
    const measure = async (file, sql, per = 1) => {
      const before = await count(sql);
      const cpu = cpuSeconds?.();
      const r = await runWrk(url, file, options);
      // The ingestion process's CPU per accepted request (per event in a batch): the figure that moves least when
      // other work shares the machine, since a loaded machine slows the process but charges it no more CPU.
      const cpuUs = cpu === undefined ? undefined : Math.round(((cpuSeconds() - cpu) * 1e6) / Math.max(1, r.accepted * per));
      return { ...r, rowsCommitted: (await count(sql)) - before, ...(cpuUs === undefined ? {} : { ingestionCpuUsPerRow: cpuUs }) };
    };
    if (kinds.includes('installs')) out.installs = await measure(files.installs, installsSql);
    if (kinds.includes('events')) out.events = await measure(files.events, eventsSql);
    if (kinds.includes('batch')) {
      const batch = await measure(files.batch, eventsSql, BATCH);
      out.eventsBatch50 = { ...batch, accepted: batch.accepted * BATCH, acceptedPerSecond: batch.acceptedPerSecond * BATCH };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
