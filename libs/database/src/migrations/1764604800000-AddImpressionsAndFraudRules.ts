import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Impressions (view-through touches), partitioned like clicks; per-app fraud settings (IP blocklist,
 * click-flooding threshold, and a mode per rule so a team can try a rule in shadow before enforcing it);
 * and the fraud verdict of each install, kept apart from its attribution for reports.
 */
export class AddImpressionsAndFraudRules1764604800000 implements MigrationInterface {
  name = 'AddImpressionsAndFraudRules1764604800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE impressions (
        id uuid NOT NULL,
        app_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        ts timestamptz NOT NULL,
        network_click_id text,
        gaid text,
        idfa text,
        ip inet,
        user_agent text,
        ua_key text,
        site_id text,
        creative text,
        subs jsonb,
        PRIMARY KEY (id, ts)
      ) PARTITION BY RANGE (ts)`);
    await q.query(`CREATE INDEX impressions_app_gaid_ts_idx ON impressions (app_id, gaid, ts) WHERE gaid IS NOT NULL`);
    await q.query(`CREATE INDEX impressions_app_idfa_ts_idx ON impressions (app_id, idfa, ts) WHERE idfa IS NOT NULL`);
    await q.query(`CREATE INDEX impressions_campaign_ts_idx ON impressions (campaign_id, ts)`);
    await q.query(`CREATE TABLE impressions_default PARTITION OF impressions DEFAULT`);
    await q.query(`SELECT lookback_ensure_partitions('impressions', 2)`);

    await q.query(`ALTER TABLE apps ADD COLUMN ip_blocklist cidr[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE apps ADD COLUMN click_flood_threshold int NOT NULL DEFAULT 50 CHECK (click_flood_threshold > 0)`);
    await q.query(`
      ALTER TABLE apps ADD COLUMN fraud_modes jsonb NOT NULL
        DEFAULT '{"clickInjection": "enforce", "clickFlooding": "enforce", "ipBlocklist": "enforce"}'`);

    await q.query(`ALTER TABLE installs ADD COLUMN rejection_reason text`);
    await q.query(`CREATE INDEX installs_app_installed_idx ON installs (app_id, installed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX installs_app_installed_idx`);
    await q.query(`ALTER TABLE installs DROP COLUMN rejection_reason`);
    await q.query(`ALTER TABLE apps DROP COLUMN fraud_modes, DROP COLUMN click_flood_threshold, DROP COLUMN ip_blocklist`);
    await q.query(`DROP TABLE impressions`);
  }
}
