import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { ConnectionOptions, Queue } from 'bullmq';
import { LOOKBACK_CONFIG, createRedisClient, type LookbackConfig, type RedisClient } from '@app/config';
import { ALL_QUEUES, DEFAULT_JOB_OPTIONS } from './queues';

export function redisConnection(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/** BullMQ's own reconnection delay for the connections it makes: 1 s growing to 20 s. */
const bullmqRetryDelay = (attempt: number) => Math.max(Math.min(Math.exp(attempt), 20_000), 1000);

/**
 * What the queues connect with. A standalone Redis: options, and BullMQ opens connections of its own per queue and
 * worker, as before. A Redis Cluster: one cluster client, since BullMQ makes a cluster connection only from a client
 * it is given; the queues share it and each worker duplicates it for its blocking fetch. Shared, BullMQ never closes
 * it: it is closed here, when the application shuts down, in a global module so after every queue and worker
 * (Nest runs global modules' shutdown hooks last) — jobs finishing at shutdown still enqueue their follow-ups.
 */
@Injectable()
export class QueueConnection implements OnApplicationShutdown {
  private readonly cluster: RedisClient | undefined;
  readonly options: ConnectionOptions;

  constructor(@Inject(LOOKBACK_CONFIG) config: LookbackConfig) {
    if (config.redisCluster) {
      // maxRetriesPerRequest null: a queue command waits for the cluster to come back instead of failing (BullMQ
      // refuses a worker connection without it). The offline queue holds commands while the topology is loading.
      this.cluster = createRedisClient(config, 'queues', {
        connection: { maxRetriesPerRequest: null },
        enableOfflineQueue: true,
        lazyConnect: false,
        retryDelay: bullmqRetryDelay,
      });
      // Errors reach the queues' own listeners (logged once per 30 s); this one only covers the start, before any.
      this.cluster.on('error', () => undefined);
      this.options = this.cluster;
    } else {
      this.options = redisConnection(config.redisUrl);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.cluster) return;
    await this.cluster.quit().catch(() => this.cluster?.disconnect());
  }
}

@Global()
@Module({ providers: [QueueConnection], exports: [QueueConnection] })
class QueueConnectionModule {}

const QUEUE_ERROR_LOG = Symbol('queue-error-log');

/** Registers the shared queues. Producers (ingestion, admin) and the worker import the same names. */
@Module({})
export class QueuesModule {
  static forRoot(): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        QueueConnectionModule,
        BullModule.forRootAsync({
          imports: [QueueConnectionModule],
          inject: [LOOKBACK_CONFIG, QueueConnection],
          useFactory: (config: LookbackConfig, connection: QueueConnection) => ({
            connection: connection.options,
            prefix: config.queuePrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        ...ALL_QUEUES.map((name) => BullModule.registerQueue({ name })),
      ],
      providers: [
        {
          // Without a listener each reconnect attempt printed a multi-line stack outside the JSON logs; now an
          // outage is one warning per queue every 30 s.
          provide: QUEUE_ERROR_LOG,
          inject: ALL_QUEUES.map((name) => getQueueToken(name)),
          useFactory: (...queues: Queue[]) => {
            const logger = new Logger('queues');
            for (const queue of queues) {
              let last = 0;
              queue.on('error', (err: Error) => {
                if (Date.now() - last < 30_000) return;
                last = Date.now();
                logger.warn(`queue ${queue.name}: ${err.message} (repeats are not logged for 30 s)`);
              });
            }
            return true;
          },
        },
      ],
      exports: [BullModule],
    };
  }
}
