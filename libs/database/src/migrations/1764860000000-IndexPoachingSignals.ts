import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organic-poaching and carrier-NAT signals read installs by the address they came from (how many installs
 * share it) and by the touch that won them (a fingerprint click credits one install).
 */
export class IndexPoachingSignals1764860000000 implements MigrationInterface {
  name = 'IndexPoachingSignals1764860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX installs_app_ip_idx ON installs (app_id, ip, installed_at) WHERE ip IS NOT NULL`);
    await q.query(`CREATE INDEX installs_app_touch_idx ON installs (app_id, touch_id) WHERE touch_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX installs_app_touch_idx`);
    await q.query(`DROP INDEX installs_app_ip_idx`);
  }
}
