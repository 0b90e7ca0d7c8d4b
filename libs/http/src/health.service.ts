import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, createRedisClient, usesCluster, type LookbackConfig, type RedisClient } from '@app/config';
import { CountryLookup, type CountryDatabase } from './country';

export interface HealthReport {
  status: 'ok' | 'down';
  db: 'up' | 'down';
  redis: 'up' | 'down';
  /** Processes that place IPs in countries (ingestion, admin) name the database release they read. */
  countryDb?: CountryDatabase;
}

const TIMEOUT_MS = 1500;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Checks the two dependencies every process needs; a down one is named in the report. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly redis: RedisClient;
  private readonly pingRedis: () => Promise<unknown>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    @Optional() private readonly countries?: CountryLookup,
  ) {
    // Its own connection, failing fast: the queue connections wait forever by design, a health check must not.
    this.redis = createRedisClient(config, 'queues', {
      connection: { maxRetriesPerRequest: 0, connectTimeout: TIMEOUT_MS },
      enableOfflineQueue: false,
      lazyConnect: true,
      retryDelay: () => 1000,
    });
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
    // On a cluster PING goes to any node, which answers even while the one holding the queues' slot is gone (the
    // cluster then refuses every keyed command): ask for a key in that slot instead.
    const probe = `${config.queuePrefix}:health`;
    this.pingRedis = usesCluster(config, 'queues') ? () => this.redis.exists(probe) : () => this.redis.ping();
  }

  async check(): Promise<HealthReport> {
    const [db, redis] = await Promise.all([
      within(this.dataSource.query('SELECT 1'), TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      within(this.pingRedis(), TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    ]);
    return {
      status: db === 'up' && redis === 'up' ? 'ok' : 'down',
      db,
      redis,
      ...(this.countries ? { countryDb: this.countries.database() } : {}),
    };
  }

  /**
   * Not at module destroy, which runs before the shutdown hooks: the worker's shutdown asks this check whether
   * Redis is there to decide whether to wait for jobs in progress, and a connection closed already said "down",
   * so in-flight deliveries were cut off from PostgreSQL before they could record their answer.
   */
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
