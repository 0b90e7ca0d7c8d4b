import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys limited to some apps (`app_ids`, NULL = every app), when each was last used, and a short lookup
 * column: a key is found by the first 16 hex digits of its hash and then its whole hash is compared in
 * constant time, so the comparison that decides never leaks through timing.
 */
export class ScopeApiKeys1764750000000 implements MigrationInterface {
  name = 'ScopeApiKeys1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN app_ids uuid[]`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN key_lookup text`);
    await q.query(`UPDATE api_keys SET key_lookup = left(key_hash, 16)`);
    await q.query(`ALTER TABLE api_keys ALTER COLUMN key_lookup SET NOT NULL`);
    await q.query(`CREATE INDEX api_keys_lookup_idx ON api_keys (key_lookup)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_lookup_idx`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN key_lookup, DROP COLUMN last_used_at, DROP COLUMN app_ids`);
  }
}
