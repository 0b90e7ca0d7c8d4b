// Raw SQL through the pool TypeORM already holds, as named (prepared) statements where a query runs per batch.
import type { DataSource, EntityManager } from 'typeorm';

interface PgResult<T> {
  rows: T[];
  rowCount: number | null;
}
interface PgPool {
  query<T>(config: { name?: string; text: string; values?: unknown[] }): Promise<PgResult<T>>;
}

/** Anything that can run SQL: the DataSource or a transaction's manager (TypeORM answers UPDATE with [rows, n]). */
export interface Queryable {
  query: EntityManager['query'];
}

function pool(db: DataSource): PgPool {
  // TypeORM's postgres driver keeps node-postgres' Pool as `master`; typed `any` there.
  return (db.driver as unknown as { master: PgPool }).master;
}

/**
 * A statement prepared once per connection under `name` (node-postgres caches it), then only bound and
 * executed: the hot batch queries skip parse and plan. `name` must always go with the same text.
 */
export async function namedQuery<T>(db: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  return (await pool(db).query<T>({ name, text, values })).rows;
}

/** Rows of any statement (SELECT, or INSERT/UPDATE … RETURNING), whatever TypeORM's shape for it. */
export async function rowsOf<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  const out: unknown = await db.query(text, values);
  if (Array.isArray(out) && out.length === 2 && Array.isArray(out[0]) && typeof out[1] === 'number') return out[0] as T[];
  return out as T[];
}
