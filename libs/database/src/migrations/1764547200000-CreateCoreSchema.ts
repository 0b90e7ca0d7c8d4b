import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: configuration tables (apps, networks, campaigns, api keys), the append-only touch log
 * (clicks, partitioned by month), installs with their decisions, and the delivery outbox.
 * Every row carries app_id and every lookup index leads with it, so the tables distribute by app_id on Citus.
 */
export class CreateCoreSchema1764547200000 implements MigrationInterface {
  name = 'CreateCoreSchema1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE apps (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
        bundle_id text NOT NULL,
        store_url text,
        sdk_secret text NOT NULL,
        min_ctit_seconds int NOT NULL DEFAULT 10 CHECK (min_ctit_seconds >= 0),
        reattribution_days int NOT NULL DEFAULT 90 CHECK (reattribution_days >= 0),
        pixel_events text[],
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE networks (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        install_postback_url text,
        event_postback_url text,
        postback_events text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps (id),
        network_id uuid NOT NULL REFERENCES networks (id),
        name text NOT NULL,
        destination_url text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
        click_lookback_hours int NOT NULL DEFAULT 168 CHECK (click_lookback_hours >= 0),
        view_lookback_hours int NOT NULL DEFAULT 24 CHECK (view_lookback_hours >= 0),
        fingerprint_lookback_hours int NOT NULL DEFAULT 24 CHECK (fingerprint_lookback_hours >= 0),
        cost_per_install numeric(14, 4) CHECK (cost_per_install >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX campaigns_app_id_idx ON campaigns (app_id, id)`);

    // Clicks: append-only, partitioned by month on ts. Retention drops whole partitions; touch lookups
    // name a time range, so they read only the partitions inside the lookback window.
    await q.query(`
      CREATE TABLE clicks (
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
    await q.query(`CREATE INDEX clicks_app_gaid_ts_idx ON clicks (app_id, gaid, ts) WHERE gaid IS NOT NULL`);
    await q.query(`CREATE INDEX clicks_app_idfa_ts_idx ON clicks (app_id, idfa, ts) WHERE idfa IS NOT NULL`);
    await q.query(`CREATE INDEX clicks_app_ip_ua_ts_idx ON clicks (app_id, ip, ua_key, ts)`);
    await q.query(`CREATE INDEX clicks_campaign_ts_idx ON clicks (campaign_id, ts)`);
    await q.query(`CREATE TABLE clicks_default PARTITION OF clicks DEFAULT`);

    // Creates the monthly partitions of a time-partitioned table from one month back to months_ahead on.
    // Run by migrations and every 6 h by the worker's reconciler; idempotent.
    await q.query(`
      CREATE OR REPLACE FUNCTION lookback_ensure_partitions(parent text, months_ahead int)
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        first_month date := (date_trunc('month', now()) - interval '1 month')::date;
        m date;
        part text;
      BEGIN
        FOR i IN 0..months_ahead + 1 LOOP
          m := (first_month + make_interval(months => i))::date;
          part := parent || '_' || to_char(m, 'YYYYMM');
          IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           part, parent, m, (m + interval '1 month')::date);
          END IF;
        END LOOP;
      END $$`);
    await q.query(`SELECT lookback_ensure_partitions('clicks', 2)`);

    await q.query(`
      CREATE TABLE installs (
        id uuid PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps (id),
        install_id text NOT NULL,
        installed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        gaid text,
        idfa text,
        idfv text,
        android_id text,
        ip inet,
        user_agent text,
        ua_key text,
        referrer text,
        consent_attribution boolean,
        consent_retargeting boolean,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'attributed', 'organic', 'rejected', 'reinstall')),
        campaign_id uuid,
        touch_id uuid,
        touch_kind text,
        match_type text,
        ctit_seconds int,
        explanation jsonb,
        decided_at timestamptz,
        UNIQUE (app_id, install_id)
      )`);
    await q.query(`CREATE INDEX installs_pending_idx ON installs (received_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX installs_app_gaid_idx ON installs (app_id, gaid, installed_at) WHERE gaid IS NOT NULL`);
    await q.query(`CREATE INDEX installs_app_idfa_idx ON installs (app_id, idfa, installed_at) WHERE idfa IS NOT NULL`);
    await q.query(`CREATE INDEX installs_app_idfv_idx ON installs (app_id, idfv, installed_at) WHERE idfv IS NOT NULL`);
    await q.query(
      `CREATE INDEX installs_app_android_idx ON installs (app_id, android_id, installed_at) WHERE android_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX installs_campaign_idx ON installs (campaign_id, installed_at) WHERE campaign_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        app_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('postback', 'webhook')),
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        network_id uuid,
        method text NOT NULL CHECK (method IN ('GET', 'POST')),
        url text NOT NULL,
        body text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status_code int,
        last_error text,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (kind, subject_id)
      )`);
    await q.query(`CREATE INDEX deliveries_pending_idx ON deliveries (updated_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_app_idx ON deliveries (app_id, id)`);

    await q.query(`
      CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        attempt int NOT NULL,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code int,
        error text,
        duration_ms int NOT NULL
      )`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delivery_attempts`);
    await q.query(`DROP TABLE deliveries`);
    await q.query(`DROP TABLE installs`);
    await q.query(`DROP TABLE clicks`);
    await q.query(`DROP FUNCTION lookback_ensure_partitions(text, int)`);
    await q.query(`DROP TABLE campaigns`);
    await q.query(`DROP TABLE networks`);
    await q.query(`DROP TABLE apps`);
    await q.query(`DROP TABLE api_keys`);
  }
}
