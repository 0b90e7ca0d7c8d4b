import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LookbackConfig } from '@app/config';
import { createHttpApp } from '@app/http';
import { IngestionModule } from './ingestion.module';

export function createIngestionApp(config: LookbackConfig): Promise<NestFastifyApplication> {
  return createHttpApp(IngestionModule.forRoot(config), config);
}
