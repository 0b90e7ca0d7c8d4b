import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure's suppression list: the SHA-256 of each identifier of an erased person (never the identifier itself),
 * per app. An AFTER INSERT statement trigger on clicks, impressions, installs and events removes, inside the
 * inserting statement, every new row naming a suppressed identifier. So later data about the person is answered
 * as usual by ingestion but never committed, from every process and every code path (spooled clicks replayed
 * hours later included), with no cache to go stale. The check costs one probe per batch while an app has no
 * suppressions. Columns are read through to_jsonb, so a column added later (customer_user_id) is matched by name.
 */
const GUARDED: [string, string[]][] = [
  ['clicks', ['gaid', 'idfa']],
  ['impressions', ['gaid', 'idfa']],
  ['installs', ['gaid', 'idfa', 'idfv', 'android_id', 'install_id', 'customer_user_id']],
  ['events', ['install_id', 'user_id', 'customer_user_id']],
];

export class CreateSuppressions1764750200000 implements MigrationInterface {
  name = 'CreateSuppressions1764750200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE suppressions (
        app_id uuid NOT NULL,
        kind text NOT NULL,
        value_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, kind, value_hash))`);
    await q.query(`
      CREATE FUNCTION lookback_suppress() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.app_id IN (SELECT DISTINCT app_id FROM new_rows)) THEN
          RETURN NULL;
        END IF;
        EXECUTE format(
          'DELETE FROM %I t USING new_rows n
            WHERE t.app_id = n.app_id AND t.id = n.id
              AND EXISTS (SELECT 1 FROM jsonb_each_text(to_jsonb(n)) f(k, v) JOIN suppressions s
                             ON s.app_id = n.app_id AND s.kind = f.k
                            AND s.value_hash = encode(sha256(convert_to(f.v, ''UTF8'')), ''hex'')
                          WHERE f.k = ANY (%L::text[]) AND f.v IS NOT NULL)',
          TG_TABLE_NAME, TG_ARGV[0]);
        RETURN NULL;
      END $fn$`);
    for (const [table, columns] of GUARDED) {
      await q.query(
        `CREATE TRIGGER ${table}_suppress AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION lookback_suppress('{${columns.join(',')}}')`,
      );
    }
    // Erasure finds a person's pixel and SDK events by their user id.
    await q.query(`CREATE INDEX events_app_user_idx ON events (app_id, user_id) WHERE user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX events_app_user_idx`);
    for (const [table] of GUARDED) await q.query(`DROP TRIGGER ${table}_suppress ON ${table}`);
    await q.query(`DROP FUNCTION lookback_suppress()`);
    await q.query(`DROP TABLE suppressions`);
  }
}
