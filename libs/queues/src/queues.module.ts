import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
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
      exports: [BullModule],
    };
  }
}
