// Export memory over a few million rows (after `npm run build`: node bench/suites/exports.mjs).
// Seeds BENCH_ROWS clicks (default 3M) with generate_series, then streams /v1/exports/clicks as NDJSON and CSV
// from the built admin process and reads that process's peak RSS (VmHWM) before and after. Figures only.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { harness } from '../harness.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000);
const h = harness('lookback_bench_exports', 4510);
const kb = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function main() {
  await h.fresh();
  const admin = h.start('admin-api');
  await h.healthy(h.admin);
  const app = await h.post('/v1/apps', { name: 'Exports', platform: 'android', bundleId: 'com.exports' });
  const network = await h.post('/v1/networks', { name: 'N' });
  const campaign = await h.post('/v1/campaigns', { appId: app.id, networkId: network.id, name: 'C', destinationUrl: 'https://example.com/' });
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  const start = new Date(Date.now() - 20 * 86_400_000);
  let t0 = performance.now();
  for (let from = 0; from < ROWS; from += 500_000) {
    await db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, user_agent, country, site_id, subs)
       SELECT gen_random_uuid(), $1, $2, $3::timestamptz + g * interval '250 ms', 'gaid-' || g, '203.0.113.7',
              'Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'DE', 'site-' || (g % 100), '{"sub1": "x"}'
         FROM generate_series($4::int, $5::int) g`,
      [app.id, campaign.id, start, from, Math.min(from + 500_000, ROWS) - 1],
    );
  }
  const seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  await db.query('ANALYZE clicks');
  const exports = {};
  const baseline = { rssKb: kb(admin.pid, 'VmRSS'), peakKb: kb(admin.pid, 'VmHWM') };
  for (const format of ['ndjson', 'csv']) {
    t0 = performance.now();
    const url = `${h.admin}/v1/exports/clicks?${new URLSearchParams({ appId: app.id, from: start.toISOString(), to: new Date().toISOString(), format })}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${h.env.ADMIN_API_KEY}` } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
    const s = (performance.now() - t0) / 1000;
    exports[format] = {
      status: res.status,
      lines,
      megabytes: Math.round(bytes / 1e6),
      seconds: Number(s.toFixed(1)),
      rowsPerSecond: Math.round(ROWS / s),
      adminPeakRssMbAfter: Math.round(kb(admin.pid, 'VmHWM') / 1024),
    };
  }
  const result = {
    suite: 'exports',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, note: 'shared machine: other engineers ran tests and benches at the same time' },
    rows: ROWS,
    seedSeconds,
    adminBeforeMb: { rss: Math.round(baseline.rssKb / 1024), peak: Math.round(baseline.peakKb / 1024) },
    exports,
  };
  console.table(exports);
  console.log('admin RSS before exports:', result.adminBeforeMb);
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/exports-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('wrote', file);
  await db.end();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => h.stop());
