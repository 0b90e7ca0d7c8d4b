import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { LookbackConfig } from '@app/config';
import { HotRoutes, createHttpApp, type AppOptions } from '@app/http';
import { IngestionModule } from './ingestion.module';
import { ingestionDocument, registerDocsRoute } from './openapi';
import { registerPixelRoute } from './pixel/pixel.route';
import { PixelService } from './pixel/pixel.service';
import { registerWebTagRoute } from './pixel/web-tag.route';
import { registerTrackingRoutes } from './tracking/tracking.routes';
import { TrackingService } from './tracking/tracking.service';

/** The lean instance serving the tracking paths of an ingestion app, when it has one (its routes, for the docs check). */
const leanInstances = new WeakMap<NestFastifyApplication, FastifyInstance>();
export function leanInstanceOf(app: NestFastifyApplication): FastifyInstance | undefined {
  return leanInstances.get(app);
}

export async function createIngestionApp(config: LookbackConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  // By default the tracking paths skip Nest's request lifecycle altogether (see HotRoutes).
  const hot = config.trackingRoutes === 'lean' ? new HotRoutes(['/c/', '/i/', '/p/']) : undefined;
  const app = await createHttpApp(IngestionModule.forRoot(config), config, { ...options, hot });
  const nestFastify = app.getHttpAdapter().getInstance();
  const tracking = hot ? hot.fastify : nestFastify;
  registerPixelRoute(tracking, app.get(PixelService));
  if (config.trackingRoutes !== 'nest') registerTrackingRoutes(tracking, app.get(TrackingService));
  await hot?.ready();
  if (hot) leanInstances.set(app, hot.fastify);
  registerWebTagRoute(nestFastify);
  registerDocsRoute(nestFastify, ingestionDocument(app));
  return app;
}
