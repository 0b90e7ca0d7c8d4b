// npm run test:faults [-- --quick]: faults under steady load through the built processes, then an account of
// every acknowledged id and every postback. It runs on a PostgreSQL cluster and a redis-server of its own (the
// shared 5432 / 6379 are never touched), removed at the end, also on failure.
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const QUICK = process.argv.includes('--quick') || process.env.FAULTS_SECONDS !== undefined;
/** Seconds of load before and after each fault. */
const LOAD_S = Number(process.env.FAULTS_SECONDS ?? (QUICK ? 3 : 15));
const PG_DOWN_S = Number(process.env.FAULTS_PG_DOWN_SECONDS ?? (QUICK ? 10 : 20));
const RECOVERY_S = Number(process.env.FAULTS_RECOVERY_SECONDS ?? 180);
const CONCURRENCY = Number(process.env.FAULTS_CONCURRENCY ?? 8);
const WORKER_KILLS = 3;
const PG_VERSION = process.env.TEST_PG_VERSION ?? '15';
const CLUSTER = `lbfaults_${process.pid}`;
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const LOGS = `var/faults-${STAMP}`;

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// --- What this run starts, and takes down again -------------------------------------------------------------
const started = new Set(); // child processes, killed by their pid at the end
function launch(name, cmd, args, env) {
  const log = createWriteStream(`${LOGS}/${name}.log`, { flags: 'a' });
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}
async function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, signal);
  const t = setTimeout(() => alive(child.pid) && process.kill(child.pid, 'SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(t);
}
const pgctl = (action) =>
  run('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION, CLUSTER, action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
let clusterMade = false;
let shuttingDown = false;
async function cleanup() {
  shuttingDown = true;
  await Promise.all([...started].map((c) => stopChild(c)));
  if (clusterMade) await run('pg_dropcluster', ['--stop', PG_VERSION, CLUSTER]).catch((e) => console.error(`pg_dropcluster: ${e.message}`));
  clusterMade = false;
}
/** Clusters left by runs of this script that died before their cleanup (the name carries the pid). */
async function dropOrphans() {
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name] = line.trim().split(/\s+/);
    const pid = Number(/^lbfaults_(\d+)$/.exec(name ?? '')?.[1]);
    if (version === PG_VERSION && pid && !alive(pid)) await run('pg_dropcluster', ['--stop', version, name]).catch(() => {});
  }
}

// --- The stand-in ad network: postbacks per install --------------------------------------------------------
const postbacks = new Map(); // Lookback install id -> 2xx answers sent
let lastPostbackAt = 0;
let onPostback; // set to kill the worker the moment a postback arrives
const sink = createServer((req, res) => {
  const id = new URL(req.url, 'http://x').searchParams.get('i');
  postbacks.set(id, (postbacks.get(id) ?? 0) + 1);
  lastPostbackAt = Date.now();
  const hook = onPostback;
  onPostback = undefined;
  hook?.();
  res.end('ok');
});

async function main() {
  mkdirSync(LOGS, { recursive: true });
  mkdirSync('bench/results', { recursive: true });
  const [pgPort, redisPort, ingestionPort, adminPort, workerPort, sinkPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  await new Promise((r) => sink.listen(sinkPort, '127.0.0.1', r));

  // PostgreSQL and Redis of our own.
  await dropOrphans();
  await run('pg_createcluster', [PG_VERSION, CLUSTER, '-p', String(pgPort), '--', '--auth=trust']);
  clusterMade = true;
  await pgctl('start');
  let redis;
  const startRedis = () => {
    redis = launch('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], process.env);
  };
  startRedis();
  const redisCli = (...args) => run('redis-cli', ['-p', String(redisPort), ...args]);
  for (let i = 0; (await redisCli('PING').catch(() => ({ stdout: '' }))).stdout.trim() !== 'PONG'; i++) {
    if (i > 50) throw new Error('redis-server did not start');
    await sleep(100);
  }

  const key = 'faults-owner-key-0123456789abcdef';
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/lookback`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: 'lbfaults',
    ADMIN_API_KEY: key,
    LOG_LEVEL: 'warn',
    INGESTION_PORT: String(ingestionPort),
    ADMIN_PORT: String(adminPort),
    WORKER_HEALTH_PORT: String(workerPort),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    OUTBOUND_TIMEOUT_MS: '2000',
    RECONCILE_EVERY_MS: '1000',
    RECONCILE_AFTER_MS: '2000',
    SPOOL_DIR: `${LOGS}/spool`,
    RATE_LIMIT_APP_PER_MINUTE: '100000000',
    RATE_LIMIT_KEY_PER_MINUTE: '100000000',
  };
  const migrated = launch('migrate', process.execPath, ['dist/apps/admin-api/apps/admin-api/src/migrate.js'], env);
  const m = await migrated.exited;
  if (m.code !== 0) throw new Error(`migrate exited ${m.code} (see ${LOGS}/migrate.log)`);

  const BIN = {
    ingestion: 'dist/apps/ingestion/apps/ingestion/src/main.js',
    worker: 'dist/apps/attribution-worker/apps/attribution-worker/src/main.js',
    admin: 'dist/apps/admin-api/apps/admin-api/src/main.js',
  };
  const procs = {};
  // A process that exits without being told to is a finding: it is counted for the fault under way and
  // restarted a second later, as a supervisor would.
  const crashes = [];
  let currentPhase = 'setup';
  const start = (name) => {
    const child = (procs[name] = launch(name, process.execPath, [BIN[name]], env));
    child.once('exit', (code, signal) => {
      if (child.intended || shuttingDown) return;
      crashes.push({ process: name, phase: currentPhase, code, signal, at: new Date().toISOString(), log: `${LOGS}/${name}.log` });
      process.stdout.write(`[${name} exited by itself (code ${code}, signal ${signal}); restarting] `);
      setTimeout(() => shuttingDown || start(name), 1000);
    });
    return child;
  };
  const killHard = (child) => {
    child.intended = true;
    process.kill(child.pid, 'SIGKILL');
  };
  const ingestion = `http://127.0.0.1:${ingestionPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  const healthy = async (url, what) => {
    for (let i = 0; i < 600; i++) {
      try {
        if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status === 200) return;
      } catch {}
      await sleep(100);
    }
    throw new Error(`${what} did not become healthy (see ${LOGS})`);
  };
  start('admin');
  start('ingestion');
  start('worker');
  await Promise.all([healthy(admin, 'admin'), healthy(ingestion, 'ingestion'), healthy(`http://127.0.0.1:${workerPort}`, 'worker')]);

  const post = async (path, body) => {
    const res = await fetch(`${admin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // Every fraud rule off: all load comes from one machine, and each install must be attributed and owe a postback.
  const off = 'off';
  const app = await post('/v1/apps', {
    name: 'Faults',
    platform: 'android',
    bundleId: 'com.example.faults',
    fraudModes: { clickInjection: off, clickFlooding: off, ipBlocklist: off, clickSpam: off, sharedIp: off, touchConsumed: off, sourceConversion: off, sourceCtit: off },
  });
  const network = await post('/v1/networks', { name: 'Sink', installPostbackUrl: `http://127.0.0.1:${sinkPort}/pb?i={install_id}` });
  const campaign = await post('/v1/campaigns', {
    appId: app.id,
    networkId: network.id,
    name: 'Faults',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.example.faults&referrer=lookback_click_id%3D{lookback_click_id}',
  });
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  db.on('error', () => {}); // PostgreSQL is stopped on purpose

  // --- Steady load: click, then the install that click brought, signed, retried like an SDK until a 2xx ---------
  function startLoad(phase) {
    const s = { phase, clicks: new Set(), installs: new Map(), clickRefused: 0, installGaveUp: 0, installRetries: 0, repeatMismatch: [] };
    let seq = 0;
    let on = true;
    const loop = async () => {
      while (on) {
        const id = `${phase}-${seq++}`;
        const gaid = randomUUID();
        const ip = `${11 + (seq % 80)}.${seq % 250}.${(seq >> 8) % 250}.${1 + (seq % 250)}`;
        let clickId;
        try {
          const res = await fetch(`${ingestion}/c/${campaign.id}?sub1=${id}&gaid=${gaid}`, {
            redirect: 'manual',
            headers: { 'x-forwarded-for': ip },
            signal: AbortSignal.timeout(5000),
          });
          await res.arrayBuffer();
          if (res.status === 302) {
            const referrer = decodeURIComponent(new URL(res.headers.get('location')).searchParams.get('referrer') ?? '');
            clickId = new URLSearchParams(referrer).get('lookback_click_id');
            s.clicks.add(id);
          }
        } catch {}
        if (!clickId) {
          s.clickRefused++;
          await sleep(100);
          continue;
        }
        const body = JSON.stringify({
          appId: app.id,
          installId: id,
          installedAt: new Date().toISOString(),
          device: { gaid },
          ip,
          referrer: `utm_source=faults&lookback_click_id=${clickId}`,
        });
        const send = async () => {
          const res = await fetch(`${ingestion}/v1/installs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-lookback-signature': `sha256=${createHmac('sha256', app.sdkSecret).update(body).digest('hex')}` },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          return res.status >= 200 && res.status < 300 ? JSON.parse(text).id : undefined;
        };
        let lookbackId;
        for (let attempt = 0, until = Date.now() + 60_000; !lookbackId && Date.now() < until; attempt++) {
          if (attempt) {
            s.installRetries++;
            await sleep(Math.min(2000, 200 * attempt));
          }
          lookbackId = await send().catch(() => undefined);
        }
        if (!lookbackId) {
          s.installGaveUp++;
          continue;
        }
        s.installs.set(id, lookbackId);
        // One in ten sent again, as an SDK does that never saw the answer: the same install must come back.
        if (seq % 10 === 0) {
          const again = await send().catch(() => undefined);
          if (again && again !== lookbackId) s.repeatMismatch.push({ installId: id, first: lookbackId, again });
        }
      }
    };
    const loops = Array.from({ length: CONCURRENCY }, loop);
    s.stop = async () => {
      on = false;
      await Promise.all(loops);
    };
    return s;
  }

  // --- After the fault: wait until everything owed has happened, then count --------------------------------
  async function recover(phase) {
    const from = Date.now();
    const until = from + RECOVERY_S * 1000;
    let state;
    while (Date.now() < until) {
      try {
        const { rows } = await db.query(
          `SELECT (SELECT count(*)::int FROM installs WHERE app_id = $1 AND install_id LIKE $2 AND status = 'pending') AS pending,
                  (SELECT count(*)::int FROM deliveries d JOIN installs i ON i.id = d.subject_id
                    WHERE d.kind = 'postback' AND i.app_id = $1 AND i.install_id LIKE $2 AND d.status IN ('pending', 'sending')) AS open`,
          [app.id, `${phase}-%`],
        );
        state = rows[0];
        if (state.pending === 0 && state.open === 0 && Date.now() - lastPostbackAt > 3000) return { recovered: true, seconds: Math.round((Date.now() - from) / 1000), ...state };
      } catch (e) {
        state = { error: e.message };
      }
      await sleep(500);
    }
    return { recovered: false, seconds: RECOVERY_S, ...state };
  }

  async function tally(phase, load, fault, recovery) {
    const like = `${phase}-%`;
    const clicks = new Map((await db.query(`SELECT subs->>0 AS k, count(*)::int AS n FROM clicks WHERE app_id = $1 AND subs->>0 LIKE $2 GROUP BY 1`, [app.id, like])).rows.map((r) => [r.k, r.n]));
    const installRows = (await db.query(`SELECT install_id, id, status FROM installs WHERE app_id = $1 AND install_id LIKE $2`, [app.id, like])).rows;
    const installs = new Map();
    for (const r of installRows) installs.set(r.install_id, [...(installs.get(r.install_id) ?? []), r]);
    const deliveries = (await db.query(
      `SELECT d.status, count(*)::int AS n FROM deliveries d JOIN installs i ON i.id = d.subject_id
        WHERE d.kind = 'postback' AND i.app_id = $1 AND i.install_id LIKE $2 GROUP BY 1`,
      [app.id, like],
    )).rows;
    const acked = [...load.clicks].map((k) => clicks.get(k) ?? 0).concat([...load.installs.keys()].map((k) => installs.get(k)?.length ?? 0));
    const lostClicks = [...load.clicks].filter((k) => !clicks.has(k));
    const lostInstalls = [...load.installs.keys()].filter((k) => !installs.has(k));
    const all = installRows;
    const attributed = all.filter((r) => r.status === 'attributed');
    const hits = all.map((r) => postbacks.get(r.id) ?? 0);
    // Each install named an acknowledged click in its referrer: any other decision is worth a look.
    const notAttributed = [];
    for (const r of all.filter((x) => x.status !== 'attributed').slice(0, 20)) {
      const res = await fetch(`${admin}/v1/installs/${r.id}`, { headers: { authorization: `Bearer ${key}` } });
      const body = await res.json();
      notAttributed.push({ installId: r.install_id, id: r.id, status: r.status, receivedAt: body.receivedAt, decidedAt: body.decidedAt, summary: body.explanation?.summary });
    }
    return {
      fault: phase,
      ...fault,
      recovery,
      acknowledged: acked.length,
      acknowledgedClicks: load.clicks.size,
      acknowledgedInstalls: load.installs.size,
      storedOnce: acked.filter((n) => n === 1).length,
      lost: lostClicks.length + lostInstalls.length,
      lostIds: [...lostClicks, ...lostInstalls].slice(0, 20),
      duplicated: [...clicks.values()].filter((n) => n > 1).length + [...installs.values()].filter((v) => v.length > 1).length,
      wrongIdOnRepeat: load.repeatMismatch.length,
      repeatMismatch: load.repeatMismatch.slice(0, 20),
      installsStored: all.length,
      installsDecided: all.filter((r) => r.status !== 'pending').length,
      installsAttributed: attributed.length,
      installStatuses: all.reduce((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {}),
      postbacks: hits.reduce((a, b) => a + b, 0),
      duplicatePostbacks: hits.filter((n) => n > 1).length,
      notAttributed,
      attributedWithoutPostback: attributed.filter((r) => !postbacks.get(r.id)).length,
      deliveries: Object.fromEntries(deliveries.map((d) => [d.status, d.n])),
      clicksRefused: load.clickRefused,
      installRetries: load.installRetries,
      installsGivenUp: load.installGaveUp,
    };
  }

  async function phase(name, fault) {
    const t0 = Date.now();
    currentPhase = name;
    process.stdout.write(`${name}: load ${LOAD_S}s, fault, load ${LOAD_S}s ... `);
    const load = startLoad(name);
    await sleep(LOAD_S * 1000);
    const info = await fault();
    await sleep(LOAD_S * 1000);
    await load.stop();
    const recovery = await recover(name);
    const row = { ...(await tally(name, load, info, recovery)), unexpectedExits: crashes.filter((c) => c.phase === name) };
    console.log(`${recovery.recovered ? 'recovered' : 'NOT recovered'} after ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    return row;
  }

  const rows = [];
  rows.push(
    await phase('pg-stop', async () => {
      await pgctl('stop');
      await sleep(PG_DOWN_S * 1000);
      await pgctl('start');
      return { detail: `PostgreSQL stopped ${PG_DOWN_S}s` };
    }),
  );
  rows.push(
    await phase('redis-flush', async () => {
      await redisCli('FLUSHALL');
      killHard(redis);
      await redis.exited;
      await sleep(2000);
      startRedis();
      return { detail: 'FLUSHALL, kill -9, restarted empty after 2s' };
    }),
  );
  rows.push(
    await phase('worker-kill', async () => {
      let midSend = 0;
      for (let i = 0; i < WORKER_KILLS; i++) {
        const victim = procs.worker;
        await healthy(`http://127.0.0.1:${workerPort}`, 'worker');
        // Killed the moment the sink has a postback: between the partner's answer and its record.
        const armed = new Promise((r) => (onPostback = () => r(true)));
        const hit = await Promise.race([armed, sleep(10_000).then(() => false)]);
        onPostback = undefined;
        killHard(victim);
        if (hit) midSend++;
        await victim.exited;
        await sleep(500);
        start('worker');
      }
      return { detail: `kill -9 ×${WORKER_KILLS} (${midSend} during a postback)` };
    }),
  );
  rows.push(
    await phase('ingestion-kill', async () => {
      const victim = procs.ingestion;
      killHard(victim);
      await victim.exited;
      start('ingestion');
      await healthy(ingestion, 'ingestion after kill');
      return { detail: 'kill -9 mid-load, restarted' };
    }),
  );
  await db.end();

  // --- The account -------------------------------------------------------------------------------------------
  const cols = [
    ['fault', (r) => r.fault],
    ['acked', (r) => r.acknowledged],
    ['once', (r) => r.storedOnce],
    ['lost', (r) => r.lost],
    ['dup', (r) => r.duplicated],
    ['decided', (r) => `${r.installsDecided}/${r.installsStored}`],
    ['postbacks', (r) => r.postbacks],
    ['dup pb', (r) => r.duplicatePostbacks],
    ['no pb', (r) => r.attributedWithoutPostback],
    ['exits', (r) => r.unexpectedExits.length],
    ['recovered', (r) => (r.recovery.recovered ? `${r.recovery.seconds}s` : 'NO')],
  ];
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r))));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(`\n${line(cols.map(([h]) => h))}`);
  for (const c of cells) console.log(line(c));
  console.log('acked = clicks answered 302 + installs answered 2xx; once/lost/dup = those ids stored once/never/twice;');
  console.log('exits = processes that died by themselves during that fault (restarted by this script)');
  console.log('no pb = attributed installs the sink never heard of (a delivery judged "unknown" after a crash is not resent)');
  const failed = rows.filter((r) => r.lost || r.duplicated || r.duplicatePostbacks || r.wrongIdOnRepeat);
  const file = `bench/results/faults-${STAMP}.json`;
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), quick: QUICK, loadSeconds: LOAD_S, pgDownSeconds: PG_DOWN_S, concurrency: CONCURRENCY, rows, pass: failed.length === 0 }, null, 2));
  console.log(`\nwritten ${file}; process logs in ${LOGS}/`);
  return failed.length === 0;
}

let ok = false;
process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
try {
  ok = await main();
  if (!ok) console.log('FAILED: an acknowledged id was lost or stored twice, or a postback was sent twice');
} catch (e) {
  console.error(`\nfaults run aborted: ${e.stack ?? e}`);
} finally {
  await cleanup();
  sink.closeAllConnections();
  sink.close();
  rmSync(`${LOGS}/spool`, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
