import { migrate } from '../../libs/database/src/migrate';
import { SUITE_DB_PREFIX, TEMPLATE_DB, databaseUrl, dropDatabase, withServer } from './databases';

/** Migrates a template database once per run; every suite clones it (STYLE.md: a fresh database per suite). */
export default async function globalSetup(): Promise<void> {
  await withServer(async (client) => {
    const stale = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [TEMPLATE_DB, `${SUITE_DB_PREFIX}%`],
    );
    for (const { datname } of stale.rows) await dropDatabase(client, datname);
  });
  await migrate(databaseUrl(TEMPLATE_DB));
}
