// The one place a Redis client is made from the configuration: a standalone Redis or a Redis Cluster.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { LookbackConfig } from './config';

export type RedisClient = Redis | Cluster;

/** `queues`: the BullMQ Redis (REDIS_URL or REDIS_CLUSTER_NODES). `rate-limits`: RATE_LIMIT_REDIS_URL, else the queues'. */
export type RedisUse = 'queues' | 'rate-limits';

export interface RedisClientOptions {
  /** Options of every connection to one Redis server: timeouts, retries per command. */
  connection: Omit<RedisOptions, 'host' | 'port' | 'path' | 'username' | 'password' | 'tls' | 'db' | 'retryStrategy' | 'enableOfflineQueue' | 'lazyConnect'>;
  /** Hold commands while not connected (BullMQ) or fail them at once (health check, limiter). */
  enableOfflineQueue: boolean;
  lazyConnect: boolean;
  /** Delay before the next reconnection attempt (on a cluster: before asking the seed nodes for the topology again). */
  retryDelay: (attempt: number) => number;
}

/** Whether `use` talks to a Redis Cluster in this configuration. */
export function usesCluster(config: LookbackConfig, use: RedisUse): boolean {
  return config.redisCluster !== undefined && !(use === 'rate-limits' && config.rateLimitRedisUrl !== undefined);
}

export function createRedisClient(config: LookbackConfig, use: RedisUse, options: RedisClientOptions): RedisClient {
  const { connection, enableOfflineQueue, lazyConnect, retryDelay } = options;
  const cluster = config.redisCluster;
  if (cluster && usesCluster(config, use)) {
    return new Cluster(
      cluster.nodes.map((n) => ({ ...n })),
      {
        enableOfflineQueue,
        lazyConnect,
        clusterRetryStrategy: retryDelay,
        // A fail-fast client (health check, limiter) must answer within its own timeout while a node fails over:
        // ioredis would otherwise retry a command up to 16 times, 100 ms apart, on CLUSTERDOWN or a closed node.
        ...(enableOfflineQueue ? {} : { maxRedirections: 2, retryDelayOnFailover: 0, retryDelayOnClusterDown: 0, retryDelayOnTryAgain: 0 }),
        redisOptions: {
          ...connection,
          username: cluster.username,
          password: cluster.password,
          tls: cluster.tls ? {} : undefined,
        },
        // Managed clusters with TLS (ElastiCache, MemoryDB) announce nodes by address while their certificates name
        // the host: resolving seed names ourselves would break the TLS check, so ioredis is handed them as given.
        ...(cluster.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
      },
    );
  }
  const url = use === 'rate-limits' ? (config.rateLimitRedisUrl ?? config.redisUrl) : config.redisUrl;
  return new Redis(url, { ...connection, enableOfflineQueue, lazyConnect, retryStrategy: retryDelay });
}
