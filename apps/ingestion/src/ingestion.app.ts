import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LookbackConfig } from '@app/config';
import { createHttpApp, type AppOptions } from '@app/http';
import { IngestionModule } from './ingestion.module';
import { ingestionDocument, registerDocsRoute } from './openapi';
import { registerPixelRoute } from './pixel/pixel.route';
import { PixelService } from './pixel/pixel.service';
import { registerWebTagRoute } from './pixel/web-tag.route';
import { registerTrackingRoutes } from './tracking/tracking.routes';
import { TrackingService } from './tracking/tracking.service';

export async function createIngestionApp(config: LookbackConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(IngestionModule.forRoot(config), config, options);
  registerPixelRoute(app.getHttpAdapter().getInstance(), app.get(PixelService));
  if (config.trackingRoutes === 'fastify') registerTrackingRoutes(app.getHttpAdapter().getInstance(), app.get(TrackingService));
  registerWebTagRoute(app.getHttpAdapter().getInstance());
  registerDocsRoute(app.getHttpAdapter().getInstance(), ingestionDocument(app));
  return app;
}
