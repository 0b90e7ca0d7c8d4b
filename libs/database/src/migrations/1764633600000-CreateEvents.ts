import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * In-app and web events, the idempotency ledger that makes a repeated eventId harmless, the USD rate table
 * that normalizes revenue, and the per-minute pixel hit counters behind the pixel health page.
 */
export class CreateEvents1764633600000 implements MigrationInterface {
  name = 'CreateEvents1764633600000';

  async up(q: QueryRunner): Promise<void> {
    // US dollars per one unit. Rough late-2025 figures so revenue is never unconvertible on a fresh install;
    // operators replace them with PUT /v1/fx-rates (a daily feed), which is what reports should rely on.
    await q.query(`
      CREATE TABLE fx_rates (
        currency text PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
        usd_per_unit numeric(24, 12) NOT NULL CHECK (usd_per_unit > 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO fx_rates (currency, usd_per_unit) VALUES
        ('USD', 1), ('EUR', 1.08), ('GBP', 1.27), ('JPY', 0.0067), ('CNY', 0.14), ('CAD', 0.73), ('AUD', 0.66),
        ('CHF', 1.13), ('INR', 0.012), ('BRL', 0.18), ('KRW', 0.00072), ('MXN', 0.055), ('SEK', 0.095),
        ('NOK', 0.092), ('DKK', 0.145), ('PLN', 0.25), ('TRY', 0.029), ('ZAR', 0.055), ('SGD', 0.75),
        ('HKD', 0.128), ('NZD', 0.59), ('IDR', 0.000062), ('THB', 0.029), ('TWD', 0.032), ('RUB', 0.011),
        ('SAR', 0.2667), ('AED', 0.2723), ('ILS', 0.27), ('CZK', 0.043), ('HUF', 0.0027), ('PHP', 0.017),
        ('MYR', 0.23), ('VND', 0.000039), ('UAH', 0.024), ('EGP', 0.02), ('NGN', 0.00065), ('ARS', 0.001),
        ('CLP', 0.001), ('COP', 0.00025)`);

    // Append-only, partitioned by month on the time Lookback received the event (not occurred_at, which an
    // offline device may report months late and would scatter writes over old partitions).
    await q.query(`
      CREATE TABLE events (
        id uuid NOT NULL,
        app_id uuid NOT NULL,
        source text NOT NULL CHECK (source IN ('sdk', 'pixel')),
        event_id text,
        install_id text,
        name text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        revenue numeric,
        currency text,
        revenue_usd numeric(24, 6),
        properties jsonb,
        consent_attribution boolean,
        consent_retargeting boolean,
        ip inet,
        ua_key text,
        user_id text,
        page_url text,
        referrer text,
        click_id uuid,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'waiting', 'linked', 'unlinked')),
        install_ref uuid,
        campaign_id uuid,
        match_type text,
        linked_at timestamptz,
        PRIMARY KEY (id, received_at)
      ) PARTITION BY RANGE (received_at)`);
    await q.query(`CREATE TABLE events_default PARTITION OF events DEFAULT`);
    await q.query(`SELECT lookback_ensure_partitions('events', 2)`);
    // Events that wait for their install: the attribution worker finds them by the client's installId.
    await q.query(
      `CREATE INDEX events_waiting_idx ON events (app_id, install_id) WHERE status IN ('pending', 'waiting') AND install_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX events_app_occurred_idx ON events (app_id, occurred_at)`);
    await q.query(`CREATE INDEX events_app_install_idx ON events (app_id, install_ref) WHERE install_ref IS NOT NULL`);
    await q.query(`CREATE INDEX events_campaign_idx ON events (campaign_id, occurred_at) WHERE campaign_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_pending_idx ON events (received_at) WHERE status = 'pending'`);

    // A partitioned table can only be unique on keys that include the partition key, so (app_id, eventId)
    // idempotency lives in this unpartitioned ledger. body_hash tells a retry (same body) from a conflict.
    await q.query(`
      CREATE TABLE event_keys (
        app_id uuid NOT NULL,
        event_key text NOT NULL,
        event_ref uuid NOT NULL,
        body_hash text NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, event_key)
      )`);

    // Pixel hits counted per app, event name, minute and outcome; ingestion adds to them in batches.
    await q.query(`
      CREATE TABLE pixel_hits (
        app_id uuid NOT NULL,
        minute timestamptz NOT NULL,
        event_name text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
        reason text NOT NULL DEFAULT '',
        hits bigint NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, minute, event_name, outcome, reason)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pixel_hits`);
    await q.query(`DROP TABLE event_keys`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP TABLE fx_rates`);
  }
}
