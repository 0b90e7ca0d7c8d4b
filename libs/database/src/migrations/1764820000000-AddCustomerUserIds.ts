import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The app's own id of its user on installs. Events keep it in `user_id`, the column the pixel's `uid` already
 * fills: it is one id of one person, so web and app events meet without a join. The suppression trigger matches
 * `customer_user_id` by name, so erased users stay out of installs from this migration on.
 */
export class AddCustomerUserIds1764820000000 implements MigrationInterface {
  name = 'AddCustomerUserIds1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE installs ADD COLUMN customer_user_id text`);
    await q.query(
      `CREATE INDEX installs_app_customer_user_idx ON installs (app_id, customer_user_id) WHERE customer_user_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX installs_app_customer_user_idx`);
    await q.query(`ALTER TABLE installs DROP COLUMN customer_user_id`);
  }
}
