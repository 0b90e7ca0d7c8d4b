// node bench/source-cost.mjs (after npm run build): what the per-source poaching signals cost. On a fresh database:
//  1. the click insert path: a group-commit INSERT of 500 clicks with and without the source_clicks trigger;
//  2. the worker's decision statement for 200 installs (3 click candidates each) with and without the source_installs trigger;
//  3. each per-source signal's one statement for a batch of 200 installs (2 candidate sources each) over a week of rollups.
// Medians of alternating rounds; figures, never assertions. The machine is shared: the load average is printed.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { harness } from './harness.mjs';

const require = createRequire(import.meta.url);
const lib = (p) => require(`../dist/apps/attribution-worker/libs/${p}`);
const { sourceConversion, sourceCtit } = lib('database/src/attribution/source-signals.js');
const { writeDecisions } = lib('database/src/attribution/decision-writer.js');
const { uuidv7, DEFAULT_FRAUD_MODES } = lib('domain/src/index.js');

const ROUNDS = Number(process.env.COST_ROUNDS ?? 30);
const h = harness('lookback_source_cost', 3280);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

async function main() {
  await h.fresh();
  const pool = new pg.Pool({ connectionString: h.databaseUrl, max: 4 });
  const db = { driver: { master: pool } }; // what namedQuery reads from a TypeORM DataSource
  const q = (text, values) => pool.query(text, values);
  const appId = randomUUID();
  await q(`INSERT INTO apps (id, name, platform, bundle_id, sdk_secret) VALUES ($1, 'Cost', 'android', 'com.cost', 'secret-0123456789abcdef')`, [appId]);
  const networkId = randomUUID();
  await q(`INSERT INTO networks (id, name) VALUES ($1, 'Net')`, [networkId]);
  const campaigns = Array.from({ length: 10 }, () => randomUUID());
  for (const id of campaigns) {
    await q(`INSERT INTO campaigns (id, app_id, network_id, name, destination_url) VALUES ($1, $2, $3, 'C', 'https://example.com')`, [id, appId, networkId]);
  }
  const sites = Array.from({ length: 20 }, (_, i) => `site-${i}`);
  const now = Date.now();

  // 1. Clicks: 500 per statement, as ingestion's group commit writes them, spread over 20 × 10 sources and 2 hours.
  const insertClicks = (n) =>
    q(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, ua_key, site_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::inet[], $7::text[], $8::text[])`,
      [
        Array.from({ length: n }, () => uuidv7()),
        Array(n).fill(appId),
        Array.from({ length: n }, (_, i) => campaigns[i % campaigns.length]),
        Array.from({ length: n }, () => new Date(now - Math.random() * 2 * 3_600_000)),
        Array.from({ length: n }, () => randomUUID()),
        Array.from({ length: n }, (_, i) => `10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}`),
        Array(n).fill('android|14|pixel 8'),
        Array.from({ length: n }, (_, i) => sites[i % sites.length]),
      ],
    );
  for (let i = 0; i < 20; i++) await insertClicks(500); // warm: partitions, rollup rows exist
  const clickMs = { with: [], without: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const on of [true, false]) {
      await q(`ALTER TABLE clicks ${on ? 'ENABLE' : 'DISABLE'} TRIGGER source_clicks_ins`);
      clickMs[on ? 'with' : 'without'].push(await timed(() => insertClicks(500)));
    }
  }
  await q(`ALTER TABLE clicks ENABLE TRIGGER source_clicks_ins`);

  // 2. Decisions: 200 pending installs written in one statement, each with three click candidates of two sources.
  const decisionMs = { with: [], without: [] };
  const explanation = (installedAt) => ({
    summary: 'x',
    rule: 'device_id',
    winner: null,
    ctitSeconds: 600,
    candidates: [0, 1, 2].map((j) => ({
      touchId: uuidv7(),
      kind: 'click',
      campaignId: campaigns[j % 2],
      siteId: sites[j % 2],
      ts: new Date(installedAt.getTime() - (j + 1) * 600_000).toISOString(),
      rule: 'device_id',
      won: j === 0,
      ...(j > 0 ? { reason: 'older_touch' } : {}),
    })),
  });
  for (let r = 0; r < ROUNDS; r++) {
    for (const on of [true, false]) {
      const installs = Array.from({ length: 200 }, (_, i) => ({ id: uuidv7(), app_id: appId, install_id: `i-${r}-${on}-${i}`, installed_at: new Date(now - i * 1000) }));
      await q(
        `INSERT INTO installs (id, app_id, install_id, installed_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])`,
        [installs.map((i) => i.id), installs.map((i) => i.app_id), installs.map((i) => i.install_id), installs.map((i) => i.installed_at)],
      );
      await q(`ALTER TABLE installs ${on ? 'ENABLE' : 'DISABLE'} TRIGGER source_installs_upd`);
      const writes = installs.map((install) => {
        const e = explanation(install.installed_at);
        return {
          install,
          expectedStatus: 'pending',
          decision: { status: 'attributed', matchType: 'device_id', campaignId: campaigns[0], touchId: e.candidates[0].touchId, touchKind: 'click', ctitSeconds: 600, explanation: e },
        };
      });
      decisionMs[on ? 'with' : 'without'].push(await timed(() => writeDecisions(db, writes)));
    }
  }
  await q(`ALTER TABLE installs ENABLE TRIGGER source_installs_upd`);

  // 3. Signals over a week of hourly rollups for 200 sources (what a busy app's table holds).
  await q(
    `INSERT INTO source_clicks (app_id, campaign_id, site_id, hour, clicks)
     SELECT $1, c, s, date_bin('1 hour', now() - make_interval(hours => h), TIMESTAMPTZ '2000-01-01'), 100
       FROM unnest($2::uuid[]) c, unnest($3::text[]) s, generate_series(0, 170) h
     ON CONFLICT DO NOTHING`,
    [appId, campaigns, sites],
  );
  await q(
    `INSERT INTO source_installs (app_id, campaign_id, site_id, hour, installs, ctit_3)
     SELECT $1, c, s, date_bin('1 hour', now() - make_interval(hours => h), TIMESTAMPTZ '2000-01-01'), 5, 5
       FROM unnest($2::uuid[]) c, unnest($3::text[]) s, generate_series(0, 170) h
     ON CONFLICT DO NOTHING`,
    [appId, campaigns, sites],
  );
  await q('ANALYZE source_clicks; ANALYZE source_installs');
  const batch = () =>
    Array.from({ length: 200 }, (_, i) => {
      const gaid = randomUUID();
      const installedAt = new Date(now - i * 1000);
      return {
        install: { id: uuidv7(), app_id: appId, gaid, idfa: null, ip: null, ua_key: null, installed_at: installedAt },
        settings: { app: { fraudModes: DEFAULT_FRAUD_MODES } },
        hours: { click: 168, view: 24, fingerprint: 24 },
        clicks: [0, 1].map((j) => ({ id: uuidv7(), campaign_id: campaigns[(i + j) % campaigns.length], site_id: sites[(i * 3 + j) % sites.length], gaid, idfa: null, ip: null, ua_key: null, ts: installedAt })),
        sourceFacts: new Map(),
      };
    });
  const signalMs = { source_conversion: [], source_ctit: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of [sourceConversion, sourceCtit]) {
      const b = batch();
      signalMs[s.name].push(await timed(() => s.load(db, b)));
    }
  }
  await pool.end();

  const round = (x) => Number(x.toFixed(2));
  const out = {
    at: new Date().toISOString(),
    loadavg: loadavg().map(round),
    rounds: ROUNDS,
    clickInsert500: { withTriggerMs: round(median(clickMs.with)), withoutTriggerMs: round(median(clickMs.without)) },
    decisionWrite200: { withTriggerMs: round(median(decisionMs.with)), withoutTriggerMs: round(median(decisionMs.without)) },
    signalPerBatch200: Object.fromEntries(Object.entries(signalMs).map(([k, v]) => [k, { statements: 1, medianMs: round(median(v)) }])),
  };
  out.perInstallMs = round((out.decisionWrite200.withTriggerMs - out.decisionWrite200.withoutTriggerMs + out.signalPerBatch200.source_conversion.medianMs + out.signalPerBatch200.source_ctit.medianMs) / 200);
  out.perClickMs = round((out.clickInsert500.withTriggerMs - out.clickInsert500.withoutTriggerMs) / 500);
  console.log(JSON.stringify(out, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
