import { execFileSync } from 'node:child_process';
import { migrate } from '../../libs/database/src/migrate';
import { SUITE_DB_PREFIX, TEMPLATE_DB_PREFIX, databaseUrl, dropDatabase, withServer } from './databases';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Migrates a template database once per run; every suite clones it (STYLE.md: a fresh database per suite).
 * Databases left behind by runs that died are dropped; those of a run still going are left alone.
 */
export default async function globalSetup(): Promise<void> {
  const template = `${TEMPLATE_DB_PREFIX}${process.pid}`;
  process.env.LOOKBACK_TEST_TEMPLATE = template;
  await withServer(async (client) => {
    const found = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2 OR datname = 'lookback_test_template'`,
      [`${TEMPLATE_DB_PREFIX}%`, `${SUITE_DB_PREFIX}%`],
    );
    for (const { datname } of found.rows) {
      const pid = Number(/^lookback_test_[ts]_(?:migrate_)?(\d+)/.exec(datname)?.[1]);
      if (!pid || pid === process.pid || !alive(pid)) await dropDatabase(client, datname);
    }
  });
  await migrate(databaseUrl(template));
  // Ingestion serves the web tag from its build output: build it from the source under test.
  execFileSync(process.execPath, ['apps/ingestion/web-tag/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The admin serves the console from its build output too (a second of esbuild): build it from the source under test.
  execFileSync(process.execPath, ['apps/admin-api/console/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
