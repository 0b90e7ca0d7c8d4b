import { createHash } from 'node:crypto';
import { Client } from 'pg';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Names are per checkout: two worktrees testing against one PostgreSQL server must neither share a template
 * (one run would migrate it under the other's feet) nor drop each other's suite databases as stale.
 */
const CHECKOUT = createHash('sha256').update(process.cwd()).digest('hex').slice(0, 8);
export const TEMPLATE_DB = `lbtest_${CHECKOUT}_template`;
export const SUITE_DB_PREFIX = `lbtest_${CHECKOUT}_s_`;

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
  await withServer((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DB}"`));
  return { name, url: databaseUrl(name) };
}
