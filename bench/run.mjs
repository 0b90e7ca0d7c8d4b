// npm run bench: starts the built ingestion, admin and worker as separate processes on a database of their own,
// loads them with autocannon, and writes the figures to bench/results/<time>.json. Figures, never assertions.
import autocannon from 'autocannon';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { harness } from './harness.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const h = harness('lookback_bench', 3100);
const INGESTION = h.ingestion;

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
  await h.fresh();

  let postbacks = 0;
  const sink = createServer((req, res) => {
    postbacks++;
    res.end('ok');
  });
  await new Promise((r) => sink.listen(3199, '127.0.0.1', r));

  h.start('admin-api');
  h.start('ingestion');
  await Promise.all([h.healthy(h.admin), h.healthy(INGESTION)]);

  const app = await h.post('/v1/apps', { name: 'Bench', platform: 'android', bundleId: 'com.bench', minCtitSeconds: 0 });
  const network = await h.post('/v1/networks', { name: 'Net', installPostbackUrl: 'http://127.0.0.1:3199/pb?c={click_id}&i={install_id}' });
  const campaign = await h.post('/v1/campaigns', {
    appId: app.id,
    networkId: network.id,
    name: 'Bench',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.bench&referrer=lookback_click_id%3D{lookback_click_id}',
  });

  const db = new pg.Client({ connectionString: h.databaseUrl });
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

  // 1b. Impressions and pixel hits: GIF answers, each hit recorded.
  const impressions = await autocannon({
    url: INGESTION,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/i/${campaign.id}?gaid=${randomUUID()}` }) }],
  });
  const impressionRows = await count('SELECT count(*) AS n FROM impressions');
  let p = 0;
  const pixel = await autocannon({
    url: INGESTION,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/p/${app.id}.gif?e=page_view&uid=u${p}&eid=e${p++}&url=https%3A%2F%2Fshop.example%2Fp` }),
      },
    ],
  });
  await new Promise((r) => setTimeout(r, 1500)); // pixel counters are flushed about every second
  const pixelRows = await count("SELECT count(*) AS n FROM events WHERE source = 'pixel'");

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
  h.start('attribution-worker');
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
    impressions: { ...summary(impressions), rowsCommitted: impressionRows },
    pixel: { ...summary(pixel), eventsCommitted: pixelRows },
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
    h.stop();
  });
