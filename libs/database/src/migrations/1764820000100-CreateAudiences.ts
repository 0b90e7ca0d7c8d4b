import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retargeting audiences. Membership follows the data through `audience_dirty`: statement-level triggers on
 * installs and events write one row per person a committed statement touched (only for apps that have
 * audiences), in the same transaction as the data, so no change is lost to a crash or to Redis. The worker drains
 * it in batches (SKIP LOCKED, so several workers share it) and re-evaluates only those people. A row naming an
 * audience asks for that audience alone (back-fill after create or a rule change); without one, for all the
 * app's audiences. `audience_wakeups` holds, per person and audience, the instant the answer next changes by
 * itself (a purchase leaving its window): the scheduler moves due ones to `audience_dirty`, so time-based exits
 * cost one indexed read per due person, whatever the audience's size.
 */
export class CreateAudiences1764820000100 implements MigrationInterface {
  name = 'CreateAudiences1764820000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audiences (
        id uuid NOT NULL,
        app_id uuid NOT NULL REFERENCES apps (id),
        name text NOT NULL,
        rule jsonb NOT NULL,
        webhook_url text NOT NULL,
        webhook_secret text NOT NULL,
        previous_secret text,
        previous_secret_until timestamptz,
        backfill_queued bigint NOT NULL DEFAULT 0,
        backfill_started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, id))`);
    // The admin API finds an audience by id alone (as installs and deliveries).
    await q.query(`CREATE INDEX audiences_id_idx ON audiences (id)`);
    await q.query(`
      CREATE TABLE audience_members (
        app_id uuid NOT NULL,
        audience_id uuid NOT NULL,
        member_key text NOT NULL,
        customer_user_id text,
        device jsonb NOT NULL DEFAULT '{}',
        entered_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, audience_id, member_key))`);
    await q.query(`CREATE INDEX audience_members_key_idx ON audience_members (app_id, member_key)`);
    await q.query(`
      CREATE TABLE audience_wakeups (
        app_id uuid NOT NULL,
        audience_id uuid NOT NULL,
        member_key text NOT NULL,
        due_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, audience_id, member_key))`);
    await q.query(`CREATE INDEX audience_wakeups_due_idx ON audience_wakeups (due_at)`);
    await q.query(`
      CREATE TABLE audience_dirty (
        id bigserial,
        app_id uuid NOT NULL,
        member_key text NOT NULL,
        audience_id uuid,
        PRIMARY KEY (app_id, id))`);
    await q.query(`CREATE INDEX audience_dirty_order_idx ON audience_dirty (id)`);
    await q.query(`CREATE INDEX audience_dirty_audience_idx ON audience_dirty (audience_id) WHERE audience_id IS NOT NULL`);

    // A person's events that carry only the client's installId (SDK events without customerUserId).
    await q.query(`CREATE INDEX events_app_install_id_idx ON events (app_id, install_id) WHERE install_id IS NOT NULL`);

    // Webhooks of one audience go out in the order they were written: the claim waits for earlier ones.
    await q.query(`ALTER TABLE deliveries ADD COLUMN audience_id uuid`);
    await q.query(
      `CREATE INDEX deliveries_audience_order_idx ON deliveries (app_id, audience_id, created_at, id)
        WHERE kind = 'webhook' AND status IN ('pending', 'sending')`,
    );

    await q.query(`
      CREATE FUNCTION lookback_audience_dirty_installs() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO audience_dirty (app_id, member_key)
          SELECT DISTINCT n.app_id, CASE WHEN n.customer_user_id IS NOT NULL THEN 'u:' || n.customer_user_id ELSE 'i:' || n.install_id END
            FROM new_rows n WHERE n.app_id IN (SELECT app_id FROM audiences);
        ELSE
          -- A decision (or a replay) moved the install to another campaign: campaignId conditions may change.
          INSERT INTO audience_dirty (app_id, member_key)
          SELECT DISTINCT n.app_id, CASE WHEN n.customer_user_id IS NOT NULL THEN 'u:' || n.customer_user_id ELSE 'i:' || n.install_id END
            FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE (n.campaign_id IS DISTINCT FROM o.campaign_id OR n.status IS DISTINCT FROM o.status)
             AND n.app_id IN (SELECT app_id FROM audiences);
        END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION lookback_audience_dirty_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO audience_dirty (app_id, member_key)
        SELECT DISTINCT n.app_id, CASE WHEN n.user_id IS NOT NULL THEN 'u:' || n.user_id ELSE 'i:' || n.install_id END
          FROM new_rows n
         WHERE (n.user_id IS NOT NULL OR n.install_id IS NOT NULL) AND n.app_id IN (SELECT app_id FROM audiences);
        RETURN NULL;
      END $fn$`);
    await q.query(
      `CREATE TRIGGER installs_audience_insert AFTER INSERT ON installs REFERENCING NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION lookback_audience_dirty_installs()`,
    );
    await q.query(
      `CREATE TRIGGER installs_audience_update AFTER UPDATE ON installs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION lookback_audience_dirty_installs()`,
    );
    await q.query(
      `CREATE TRIGGER events_audience_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION lookback_audience_dirty_events()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER events_audience_insert ON events`);
    await q.query(`DROP TRIGGER installs_audience_update ON installs`);
    await q.query(`DROP TRIGGER installs_audience_insert ON installs`);
    await q.query(`DROP FUNCTION lookback_audience_dirty_events()`);
    await q.query(`DROP FUNCTION lookback_audience_dirty_installs()`);
    await q.query(`DROP INDEX deliveries_audience_order_idx`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN audience_id`);
    await q.query(`DROP INDEX events_app_install_id_idx`);
    await q.query(`DROP TABLE audience_dirty`);
    await q.query(`DROP TABLE audience_wakeups`);
    await q.query(`DROP TABLE audience_members`);
    await q.query(`DROP TABLE audiences`);
  }
}
