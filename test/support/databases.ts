import { Client } from 'pg';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SUITE_DB_PREFIX = 'lookback_test_s_';
export const TEMPLATE_DB_PREFIX = 'lookback_test_t_';
/** One template per test run (named by the run's pid), so two runs on one server never drop each other's. */
export const templateDb = () => process.env.LOOKBACK_TEST_TEMPLATE ?? `${TEMPLATE_DB_PREFIX}${process.pid}`;

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withServer<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** A fresh database per suite, cloned from the migrated template in milliseconds. */
export async function createSuiteDatabase(): Promise<{ name: string; url: string }> {
  const name = `${SUITE_DB_PREFIX}${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withServer((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDb()}"`));
  return { name, url: databaseUrl(name) };
}
