import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
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

const QUEUE_ERROR_LOG = Symbol('queue-error-log');

/** Registers the shared queues. Producers (ingestion, admin) and the worker import the same names. */
@Module({})
export class QueuesModule {
  static forRoot(): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRootAsync({
          inject: [LOOKBACK_CONFIG],
          useFactory: (config: LookbackConfig) => ({
            connection: redisConnection(config.redisUrl),
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
