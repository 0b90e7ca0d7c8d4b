import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Pixel test hits (`test=1`) are counted apart from real traffic: visible in health, never events. */
export class CountPixelTestHits1764770000000 implements MigrationInterface {
  name = 'CountPixelTestHits1764770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pixel_hits DROP CONSTRAINT pixel_hits_outcome_check`);
    await q.query(`ALTER TABLE pixel_hits ADD CONSTRAINT pixel_hits_outcome_check CHECK (outcome IN ('accepted', 'rejected', 'test'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM pixel_hits WHERE outcome = 'test'`);
    await q.query(`ALTER TABLE pixel_hits DROP CONSTRAINT pixel_hits_outcome_check`);
    await q.query(`ALTER TABLE pixel_hits ADD CONSTRAINT pixel_hits_outcome_check CHECK (outcome IN ('accepted', 'rejected'))`);
  }
}
