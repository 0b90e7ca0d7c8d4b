import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { LookbackConfig } from '@app/config';
import { startDefaultMetrics, type AppOptions } from '@app/http';
import { WorkerModule } from './worker.module';
import { HealthServer } from './health/health-server.service';

/** A Nest application context: no HTTP server but the health port; the only process that consumes jobs. */
export async function createWorker(config: LookbackConfig, options: AppOptions = {}): Promise<INestApplicationContext> {
  startDefaultMetrics();
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config),
    options.logger ? { logger: options.logger } : { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  await app.init();
  app.get(Logger).log(`worker started; health on port ${app.get(HealthServer).port}`, 'worker');
  return app;
}
