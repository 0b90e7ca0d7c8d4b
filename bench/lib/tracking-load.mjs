// /c, /i, /p under wrk beside the bare node:http server, in alternating rounds, for npm run bench and
// bench/tracking.mjs. Per round: the ratio, every answered hit counted in PostgreSQL, and two figures that explain
// the ratio: rows per commit (each answer waits for its commit, so with 64 connections the rate is at most
// 64 ÷ commit latency) and ingestion's CPU per request (from /proc, so not charged with time spent waiting).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { wrk } from './wrk.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in ms; null when /proc cannot tell. */
export function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return null;
  }
}

/** `TRACKING_ROUTES` per variant of the tracking bench: lean (the default), Fastify on Nest's instance, Nest's pipeline. */
export const TRACKING_VARIANTS = {
  lean: { label: 'lean Fastify route', env: {} },
  fastify: { label: "Fastify route on Nest's instance", env: { TRACKING_ROUTES: 'fastify' } },
  nest: { label: 'Nest pipeline', env: { TRACKING_ROUTES: 'nest' } },
};

export async function trackingRounds({ db, ingestionUrl, bareUrl, app, campaign, label, pid, seconds, rounds: ROUNDS }) {
  const gaid = '38400000-8cf0-11bd-b23e-10b96e40000d';
  const paths = {
    '/c': [`/c/${campaign.id}?click_id=abc&gaid=${gaid}&site_id=s1`, 'SELECT count(*)::int AS n FROM clicks'],
    '/i': [`/i/${campaign.id}?gaid=${gaid}`, 'SELECT count(*)::int AS n FROM impressions'],
    '/p': [`/p/${app.id}.gif?e=page_view&uid=u1&url=https%3A%2F%2Fshop.example%2F`, "SELECT count(*)::int AS n FROM events WHERE source = 'pixel'"],
  };
  const commits = async () =>
    (await db.query('SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n;
  const out = {};
  for (const [name, [path, countSql]] of Object.entries(paths)) {
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const load = os.loadavg()[0];
      const bare = await wrk(`${bareUrl}${path}`, { seconds });
      const before = (await db.query(countSql)).rows[0].n;
      const [c0, cpu0] = [await commits(), cpuMs(pid)];
      const lb = await wrk(`${ingestionUrl}${path}`, { seconds });
      const [c1, cpu1] = [await commits(), cpuMs(pid)];
      await sleep(1500); // a late commit or a spool replay still counts
      const rows = (await db.query(countSql)).rows[0].n - before;
      rounds.push({
        loadAverage1m: Number(load.toFixed(2)),
        bare: bare.requestsPerSecond,
        lookback: lb.requestsPerSecond,
        ratio: lb.requestsPerSecond / bare.requestsPerSecond,
        p50Ms: lb.latencyMs.p50,
        p99Ms: lb.latencyMs.p99,
        bareP99Ms: bare.latencyMs.p99,
        answered: lb.answered,
        rowsCommitted: rows,
        non2xx3xx: lb.non2xx3xx,
        // Commits of the whole database during the run (a few are not the writer's: catalog reads, pixel counters).
        rowsPerCommit: Math.round(rows / Math.max(1, Number(c1) - Number(c0))),
        ingestionCpuUsPerRequest: cpu0 === null || cpu1 === null || !lb.completed ? null : Math.round(((cpu1 - cpu0) * 1000) / lb.completed),
      });
    }
    out[name] = {
      rounds,
      ratio: spread(rounds.map((x) => Number(x.ratio.toFixed(3)))),
      requestsPerSecond: spread(rounds.map((x) => x.lookback)),
      bareRequestsPerSecond: spread(rounds.map((x) => x.bare)),
      rowsPerCommit: median(rounds.map((x) => x.rowsPerCommit)),
      ingestionCpuUsPerRequest: median(rounds.map((x) => x.ingestionCpuUsPerRequest ?? 0)),
      allAnsweredCommitted: rounds.every((x) => x.rowsCommitted >= x.answered),
    };
    const o = out[name];
    console.log(
      `${label} ${name}: ratio ${o.ratio.median.toFixed(2)} (${o.ratio.min.toFixed(2)}–${o.ratio.max.toFixed(2)}), ${o.requestsPerSecond.median}/s vs bare ${o.bareRequestsPerSecond.median}/s, ` +
        `${o.rowsPerCommit} rows/commit, ingestion ${o.ingestionCpuUsPerRequest} µs CPU/request, committed ${o.allAnsweredCommitted ? 'all' : 'NOT ALL'} (load ${rounds[0].loadAverage1m})`,
    );
  }
  return out;
}

/** Table rows (what, rate, vs bare, p99, durable) for one variant's results. */
export function trackingTableRows(results, label) {
  return Object.entries(results).map(([k, v]) => [
    `${k} (${label})`,
    `${v.requestsPerSecond.median}/s`,
    `${v.ratio.median.toFixed(2)}× (${v.ratio.min.toFixed(2)}–${v.ratio.max.toFixed(2)}); ${v.rowsPerCommit} rows/commit, ${v.ingestionCpuUsPerRequest} µs CPU/req`,
    `${median(v.rounds.map((x) => x.p99Ms))} ms`,
    v.allAnsweredCommitted ? 'all' : 'NO',
  ]);
}
