// The worker's privacy upkeep: IPs and User-Agents reduced after the fingerprint window, old partitions dropped.
import { randomUUID } from 'node:crypto';
import { createDataSource, dropExpiredPartitions, reducePersonalData } from '../libs/database/src';
import { startStack, type Stack } from './support/stack';
import type { DataSource } from 'typeorm';

describe('privacy upkeep', () => {
  let stack: Stack;
  let db: DataSource;
  let appId: string;
  let wideApp: string;
  let campaignId: string;
  let wideCampaign: string;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    db = createDataSource(stack.config.databaseUrl, 2);
    await db.initialize();
    const network = (await stack.admin('POST', '/v1/networks', { name: 'N' })).body.id;
    appId = (await stack.admin('POST', '/v1/apps', { name: 'A', platform: 'android', bundleId: 'com.a' })).body.id;
    wideApp = (await stack.admin('POST', '/v1/apps', { name: 'W', platform: 'android', bundleId: 'com.w' })).body.id;
    campaignId = (await stack.admin('POST', '/v1/campaigns', { appId, networkId: network, name: 'C', destinationUrl: 'https://example.com/' })).body.id;
    wideCampaign = (
      await stack.admin('POST', '/v1/campaigns', { appId: wideApp, networkId: network, name: 'W', destinationUrl: 'https://example.com/', fingerprintLookbackHours: 72 })
    ).body.id;
  });
  afterAll(async () => {
    await db?.destroy();
    await stack?.close();
  });

  const click = async (app: string, campaign: string, hoursAgo: number, ip: string) => {
    const id = randomUUID();
    await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, ip, user_agent, ua_key) VALUES ($1, $2, $3, now() - make_interval(hours => $4), $5, 'Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'android|14|pixel 8')`,
      [id, app, campaign, hoursAgo, ip],
    );
    return id;
  };
  const row = async (id: string) => (await stack.db.query('SELECT host(ip) AS host, masklen(ip) AS mask, user_agent, ua_key FROM clicks WHERE id = $1', [id])).rows[0];

  it('keeps full IPs and User-Agents inside the app’s longest fingerprint window and reduces them after', async () => {
    const fresh = await click(appId, campaignId, 2, '203.0.113.77');
    const old4 = await click(appId, campaignId, 30, '203.0.113.77');
    const old6 = await click(appId, campaignId, 30, '2001:db8:abcd:12:1:2:3:4');
    const wide = await click(wideApp, wideCampaign, 48, '198.51.100.9');
    const install = randomUUID();
    await stack.db.query(
      `INSERT INTO installs (id, app_id, install_id, installed_at, received_at, ip, user_agent) VALUES ($1, $2, 'u1', now() - interval '2 days', now() - interval '2 days', '198.51.100.200', 'UA')`,
      [install, appId],
    );
    const changed = await reducePersonalData(db);
    expect(changed).toMatchObject({ clicks: 2, installs: 1 });
    expect(await row(fresh)).toEqual({ host: '203.0.113.77', mask: 32, user_agent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)', ua_key: 'android|14|pixel 8' });
    expect(await row(old4)).toEqual({ host: '203.0.113.0', mask: 24, user_agent: null, ua_key: 'android|14|pixel 8' });
    expect(await row(old6)).toEqual({ host: '2001:db8:abcd::', mask: 48, user_agent: null, ua_key: 'android|14|pixel 8' });
    // 48 h old, but this app's campaign fingerprints over 72 h.
    expect((await row(wide)).mask).toBe(32);
    expect((await stack.db.query('SELECT host(ip) AS host, user_agent FROM installs WHERE id = $1', [install])).rows[0]).toEqual({ host: '198.51.100.0', user_agent: null });
    // A second run has nothing left to do.
    expect(await reducePersonalData(db)).toEqual({ clicks: 0, impressions: 0, installs: 0, events: 0 });
  });

  it('drops partitions older than RETENTION_DAYS, and reports keep their figures', async () => {
    await stack.db.query(`CREATE TABLE clicks_202401 PARTITION OF clicks FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')`);
    await stack.db.query(`INSERT INTO clicks (id, app_id, campaign_id, ts) VALUES ($1, $2, $3, '2024-01-15T00:00:00Z')`, [randomUUID(), appId, campaignId]);
    // A row older than retention that landed in the default partition.
    await stack.db.query(`INSERT INTO clicks (id, app_id, campaign_id, ts) VALUES ($1, $2, $3, '2023-06-15T00:00:00Z')`, [randomUUID(), appId, campaignId]);
    const dropped = await dropExpiredPartitions(db, 400);
    expect(dropped).toEqual(['clicks_202401']);
    expect((await stack.db.query(`SELECT to_regclass('clicks_202401') AS t`)).rows[0].t).toBeNull();
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM clicks WHERE ts < '2025-01-01'`)).rows[0].n).toBe(0);
    // Recent partitions stay.
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM clicks WHERE app_id = $1 AND ts > now() - interval '3 days'`, [appId])).rows[0].n).toBe(3);
    const report = await stack.admin('GET', `/v1/reports/campaigns?${new URLSearchParams({ appId, from: '2024-01-01T00:00:00Z', to: '2024-12-31T00:00:00Z', groupBy: 'total' })}`);
    expect(report.body.rows[0].clicks).toBe(1);
  });
});
