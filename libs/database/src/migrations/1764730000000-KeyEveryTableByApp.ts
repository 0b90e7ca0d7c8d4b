import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every primary and unique key of a per-app table now starts with app_id, so each table can be distributed
 * by app_id on Citus (a distributed table's unique keys must contain the distribution column) and the rows
 * of one app, in every table, sit on the same shard. apps, networks, campaigns, fx_rates and api_keys stay
 * keyed by their own id: they become reference tables (copied to every node). See docs/scaling.md.
 *
 * installs and deliveries keep a plain index on id: the admin API finds them by id alone (on Citus that
 * becomes one indexed look-up per shard; the hot paths name app_id and are routed to one shard).
 */
export class KeyEveryTableByApp1764730000000 implements MigrationInterface {
  name = 'KeyEveryTableByApp1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE installs DROP CONSTRAINT installs_pkey, ADD CONSTRAINT installs_pkey PRIMARY KEY (app_id, id)`);
    await q.query(`CREATE INDEX installs_id_idx ON installs (id)`);

    // The attempts log gains app_id so it lives on its delivery's shard and its foreign key stays local there.
    await q.query(`ALTER TABLE delivery_attempts ADD COLUMN app_id uuid`);
    await q.query(`UPDATE delivery_attempts a SET app_id = d.app_id FROM deliveries d WHERE d.id = a.delivery_id`);
    await q.query(`ALTER TABLE delivery_attempts ALTER COLUMN app_id SET NOT NULL`);
    await q.query(`ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey`);

    await q.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT deliveries_pkey,
        DROP CONSTRAINT deliveries_kind_subject_id_key,
        ADD CONSTRAINT deliveries_pkey PRIMARY KEY (app_id, id),
        ADD CONSTRAINT deliveries_app_kind_subject_key UNIQUE (app_id, kind, subject_id)`);
    await q.query(`DROP INDEX deliveries_app_idx`);
    await q.query(`CREATE INDEX deliveries_id_idx ON deliveries (id)`);

    await q.query(`
      ALTER TABLE delivery_attempts
        DROP CONSTRAINT delivery_attempts_pkey,
        ADD CONSTRAINT delivery_attempts_pkey PRIMARY KEY (app_id, id),
        ADD CONSTRAINT delivery_attempts_delivery_fkey FOREIGN KEY (app_id, delivery_id)
          REFERENCES deliveries (app_id, id) ON DELETE CASCADE`);
    await q.query(`DROP INDEX delivery_attempts_delivery_idx`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (app_id, delivery_id, attempt)`);

    // Partitioned tables: the key must still contain the partition column; PostgreSQL rebuilds it per partition.
    for (const [table, ts] of [
      ['clicks', 'ts'],
      ['impressions', 'ts'],
      ['events', 'received_at'],
    ] as const) {
      await q.query(
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (app_id, id, ${ts})`,
      );
    }
    // event_keys (app_id, event_key) and pixel_hits (app_id, minute, …) already lead with app_id.
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, ts] of [
      ['clicks', 'ts'],
      ['impressions', 'ts'],
      ['events', 'received_at'],
    ] as const) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id, ${ts})`);
    }
    await q.query(`DROP INDEX delivery_attempts_delivery_idx`);
    await q.query(`ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_fkey`);
    await q.query(`ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_pkey, ADD PRIMARY KEY (id)`);
    await q.query(`DROP INDEX deliveries_id_idx`);
    await q.query(`CREATE INDEX deliveries_app_idx ON deliveries (app_id, id)`);
    await q.query(`
      ALTER TABLE deliveries
        DROP CONSTRAINT deliveries_app_kind_subject_key,
        DROP CONSTRAINT deliveries_pkey,
        ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id),
        ADD CONSTRAINT deliveries_kind_subject_id_key UNIQUE (kind, subject_id)`);
    await q.query(`
      ALTER TABLE delivery_attempts
        ADD CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt)`);
    await q.query(`ALTER TABLE delivery_attempts DROP COLUMN app_id`);
    await q.query(`DROP INDEX installs_id_idx`);
    await q.query(`ALTER TABLE installs DROP CONSTRAINT installs_pkey, ADD CONSTRAINT installs_pkey PRIMARY KEY (id)`);
  }
}
