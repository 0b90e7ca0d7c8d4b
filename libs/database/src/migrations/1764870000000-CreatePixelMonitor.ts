import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pixel monitor: the app's settings, the last judged state of each watched event (so an alert is sent once
 * per change), and `alert` as a kind of delivery.
 */
export class CreatePixelMonitor1764870000000 implements MigrationInterface {
  name = 'CreatePixelMonitor1764870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps ADD COLUMN pixel_monitor jsonb`);
    await q.query(`
      CREATE TABLE pixel_monitor_states (
        app_id uuid NOT NULL,
        event_name text NOT NULL,
        state text NOT NULL CHECK (state IN ('firing', 'silent', 'rejecting')),
        since timestamptz NOT NULL,
        watched_since timestamptz NOT NULL,
        detail text NOT NULL DEFAULT '',
        checked_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, event_name))`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('postback', 'webhook', 'alert'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM deliveries WHERE kind = 'alert'`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('postback', 'webhook'))`);
    await q.query(`DROP TABLE pixel_monitor_states`);
    await q.query(`ALTER TABLE apps DROP COLUMN pixel_monitor`);
  }
}
