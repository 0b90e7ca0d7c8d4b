import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * At most one successful postback: an attempt is written (and committed) before the call goes out, so a worker
 * that dies mid-call leaves a trace. A delivery is `sending` while an attempt is open; one whose attempt was
 * interrupted and whose partner cannot be trusted to drop a repeat is `unknown` (needs a person) instead of sent
 * again. Networks that drop repeats of the same click id may opt in to a resend.
 */
export class RecordAttemptsBeforeSend1764710000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_status_check`);
    await q.query(
      `ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
         CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'unknown'))`,
    );
    await q.query(`CREATE INDEX deliveries_sending_idx ON deliveries (locked_until) WHERE status = 'sending'`);
    await q.query(`ALTER TABLE delivery_attempts ADD COLUMN outcome text`);
    await q.query(
      `UPDATE delivery_attempts SET outcome = CASE WHEN status_code BETWEEN 200 AND 299 AND error IS NULL THEN 'ok' ELSE 'error' END`,
    );
    await q.query(`ALTER TABLE delivery_attempts ALTER COLUMN outcome SET NOT NULL`);
    await q.query(
      `ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_outcome_check
         CHECK (outcome IN ('sending', 'ok', 'error', 'uncertain', 'interrupted'))`,
    );
    await q.query(`ALTER TABLE delivery_attempts ADD COLUMN finished_at timestamptz`);
    await q.query(`UPDATE delivery_attempts SET finished_at = attempted_at`);
    await q.query(`ALTER TABLE delivery_attempts ALTER COLUMN duration_ms DROP NOT NULL`);
    await q.query(`ALTER TABLE networks ADD COLUMN dedupes_click_id boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE networks DROP COLUMN dedupes_click_id`);
    await q.query(`UPDATE delivery_attempts SET duration_ms = 0 WHERE duration_ms IS NULL`);
    await q.query(`ALTER TABLE delivery_attempts ALTER COLUMN duration_ms SET NOT NULL`);
    await q.query(`ALTER TABLE delivery_attempts DROP COLUMN finished_at`);
    await q.query(`ALTER TABLE delivery_attempts DROP COLUMN outcome`);
    await q.query(`DROP INDEX deliveries_sending_idx`);
    await q.query(`UPDATE deliveries SET status = 'pending' WHERE status IN ('sending', 'unknown')`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed'))`);
  }
}
