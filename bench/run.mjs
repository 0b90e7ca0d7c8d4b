// npm run bench: starts the built ingestion, admin and worker as separate processes on a database of their own,
// loads them with autocannon, and writes the figures to bench/results/<time>.json. Figures, never assertions.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const dbUrl = new URL(server);
dbUrl.pathname = '/lookback_bench';
const KEY = 'bench-owner-key-0123456789';
const env = {
  ...process.env,
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: 'lookback-bench',
  ADMIN_API_KEY: KEY,
  LOG_LEVEL: 'warn',
  INGESTION_PORT: '3100',
  ADMIN_PORT: '3101',
  WORKER_HEALTH_PORT: '3102',
  OUTBOUND_ALLOW_PRIVATE: 'true',
};
const INGESTION = 'http://127.0.0.1:3100';
const ADMIN = 'http://127.0.0.1:3101';
const dist = (app) => `dist/apps/${app}/apps/${app}/src/main.js`;
const children = [];

function start(app) {
  const child = spawn(process.execPath, [dist(app)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  return child;
}

async function run(cmd, args) {
  await new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env, stdio: 'inherit' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

async function waitHealthy(url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy`);
}

async function admin(path, body) {
  const res = await fetch(`${ADMIN}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function summary(r) {
  return {
    requestsPerSecond: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

async function main() {
  const admin0 = new pg.Client({ connectionString: server.toString() });
  await admin0.connect();
  await admin0.query('DROP DATABASE IF EXISTS lookback_bench WITH (FORCE)');
  await admin0.end();
  await run(process.execPath, ['dist/apps/admin-api/apps/admin-api/src/migrate.js']);

  let postbacks = 0;
  const sink = createServer((req, res) => {
    postbacks++;
    res.end('ok');
  });
  await new Promise((r) => sink.listen(3199, '127.0.0.1', r));

  start('admin-api');
  start('ingestion');
  await Promise.all([waitHealthy(ADMIN), waitHealthy(INGESTION)]);

  const app = await admin('/v1/apps', { name: 'Bench', platform: 'android', bundleId: 'com.bench', minCtitSeconds: 0 });
  const network = await admin('/v1/networks', { name: 'Net', installPostbackUrl: 'http://127.0.0.1:3199/pb?c={click_id}&i={install_id}' });
  const campaign = await admin('/v1/campaigns', {
    appId: app.id,
    networkId: network.id,
    name: 'Bench',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.bench&referrer=lookback_click_id%3D{lookback_click_id}',
  });

  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const count = async (sql) => Number((await db.query(sql)).rows[0].n);

  // 1. Clicks: each with its own advertising id, as an ad network would send them.
  let n = 0;
  const gaids = [];
  const clicks = await autocannon({
    url: INGESTION,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const gaid = randomUUID();
          if (gaids.length < 200_000) gaids.push(gaid);
          req.path = `/c/${campaign.id}?click_id=n${n++}&gaid=${gaid}&site_id=s${n % 17}`;
          return req;
        },
      },
    ],
  });
  const clickRows = await count('SELECT count(*) AS n FROM clicks');
  const redirects = clicks['3xx'] ?? 0;

  // 2. Installs: signed, unique installIds; half of them from devices that clicked.
  let m = 0;
  const signed = (i) => {
    const gaid = i % 2 === 0 && gaids.length ? gaids[i % gaids.length] : randomUUID();
    const body = JSON.stringify({
      appId: app.id,
      installId: `bench-${i}`,
      installedAt: new Date().toISOString(),
      device: { gaid },
      ip: `198.51.${(i >> 8) & 255}.${i & 255}`,
    });
    const headers = {
      'content-type': 'application/json',
      'x-lookback-signature': `sha256=${createHmac('sha256', app.sdkSecret).update(body).digest('hex')}`,
    };
    return { body, headers };
  };
  const probe = await fetch(`${INGESTION}/v1/installs`, { method: 'POST', ...signed(-1) });
  if (probe.status !== 202) throw new Error(`install probe: ${probe.status} ${await probe.text()}`);
  const installs = await autocannon({
    url: INGESTION,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v1/installs',
        setupRequest: (req) => {
          const { body, headers } = signed(m++);
          req.body = body;
          req.headers = headers;
          return req;
        },
      },
    ],
  });
  const installRows = await count('SELECT count(*) AS n FROM installs');
  if (installs.non2xx > 0) console.error('install status codes', JSON.stringify(installs.statusCodeStats));

  // 3. Attribution: start the worker on the backlog and time the drain.
  const t0 = performance.now();
  start('attribution-worker');
  let pending = installRows;
  while (pending > 0 && performance.now() - t0 < 300_000) {
    await new Promise((r) => setTimeout(r, 250));
    pending = await count("SELECT count(*) AS n FROM installs WHERE status = 'pending'");
  }
  const drainSeconds = (performance.now() - t0) / 1000;
  const byStatus = (await db.query('SELECT status, count(*)::int AS n FROM installs GROUP BY status ORDER BY status')).rows;
  const tp = performance.now();
  let undelivered = 1;
  while (undelivered > 0 && performance.now() - tp < 120_000) {
    await new Promise((r) => setTimeout(r, 250));
    undelivered = await count("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'");
  }

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    settings: { seconds: SECONDS, connections: CONNECTIONS },
    clicks: { ...summary(clicks), redirects, rowsCommitted: clickRows },
    installs: { ...summary(installs), accepted: installs['2xx'], rowsCommitted: installRows },
    attribution: {
      installs: installRows,
      drainSeconds: Number(drainSeconds.toFixed(2)),
      decisionsPerSecond: Math.round(installRows / drainSeconds),
      byStatus,
      postbacksReceived: postbacks,
      postbacksPendingAfterDrain: undelivered,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${file}`);
  await db.end();
  sink.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
