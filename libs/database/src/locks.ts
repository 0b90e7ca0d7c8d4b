// One process at a time for the worker's timed work: a PostgreSQL session advisory lock, so it survives a Redis flush.
import type { DataSource } from 'typeorm';
import { rowsOf } from './sql';

/**
 * Runs `work` while holding the session advisory lock `key` on a connection of its own; answers false without
 * running it when another session holds the lock. The lock is released on that same connection afterwards.
 */
export async function withAdvisoryLock(db: DataSource, key: number, work: () => Promise<void>): Promise<boolean> {
  const runner = db.createQueryRunner();
  try {
    await runner.connect();
    const [{ locked }] = await rowsOf<{ locked: boolean }>(runner, 'SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!locked) return false;
    try {
      await work();
      return true;
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
