import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

interface EventedClient {
  on(event: 'error', listener: (err: Error) => void): unknown;
}
interface PoolLike {
  on(event: 'connect', listener: (client: EventedClient) => void): unknown;
  _clients?: EventedClient[];
}

/**
 * Keeps a connection PostgreSQL terminates (a fast shutdown, a failover: 57P01) from crashing the process.
 * TypeORM removes its error listener from a connection as it releases it; a second error on that connection then
 * had no listener and was an uncaught exception (seen by npm run test:faults: the worker died when PostgreSQL
 * stopped). Every connection of the pool gets a listener of its own for its whole life; the pool still discards it.
 */
@Injectable()
export class PoolErrorGuard implements OnApplicationBootstrap {
  private readonly logger = new Logger('database');
  private last = 0;

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    const pool = (this.db.driver as unknown as { master?: PoolLike }).master;
    if (!pool) return;
    const guard = (client: EventedClient) =>
      client.on('error', (err) => {
        if (Date.now() - this.last < 30_000) return;
        this.last = Date.now();
        this.logger.warn(`a database connection failed: ${err.message} (repeats are not logged for 30 s)`);
      });
    pool.on('connect', guard);
    // Connections opened while the data source started.
    for (const client of pool._clients ?? []) guard(client);
  }
}
