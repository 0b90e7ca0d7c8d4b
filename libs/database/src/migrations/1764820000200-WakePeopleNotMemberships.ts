import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One wake-up per person instead of per person and audience: the earliest instant any of the app's audiences may
 * answer differently for them, which then re-evaluates all of them. A batch writes one row per person (not one per
 * audience: 100 audiences made a 500-person batch write 50,000 rows), and a due person still costs one indexed
 * read and one evaluation. Pending wake-ups are handed to the dirty table so none is lost in the change.
 */
export class WakePeopleNotMemberships1764820000200 implements MigrationInterface {
  name = 'WakePeopleNotMemberships1764820000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO audience_dirty (app_id, member_key) SELECT DISTINCT app_id, member_key FROM audience_wakeups`);
    await q.query(`DROP TABLE audience_wakeups`);
    await q.query(`
      CREATE TABLE audience_wakeups (
        app_id uuid NOT NULL,
        member_key text NOT NULL,
        due_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, member_key))`);
    await q.query(`CREATE INDEX audience_wakeups_due_idx ON audience_wakeups (due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO audience_dirty (app_id, member_key) SELECT app_id, member_key FROM audience_wakeups`);
    await q.query(`DROP TABLE audience_wakeups`);
    await q.query(`
      CREATE TABLE audience_wakeups (
        app_id uuid NOT NULL,
        audience_id uuid NOT NULL,
        member_key text NOT NULL,
        due_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, audience_id, member_key))`);
    await q.query(`CREATE INDEX audience_wakeups_due_idx ON audience_wakeups (due_at)`);
  }
}
