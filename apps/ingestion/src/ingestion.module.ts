import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type LookbackConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import {
  AppRateLimitGuard,
  CountryLookup,
  HealthController,
  HealthService,
  RateLimits,
  SDK_SECRET_RESOLVER,
  SignatureGuard,
  loggingModule,
} from '@app/http';
import { QueuesModule } from '@app/queues';
import { CatalogService } from './catalog/catalog.service';
import { TouchSpool } from './tracking/touch-spool.service';
import { TouchWriter } from './tracking/touch-writer.service';
import { TrackingController } from './tracking/tracking.controller';
import { TrackingService } from './tracking/tracking.service';
import { EventWriter } from './events/event-writer.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { PixelHits } from './pixel/pixel-hits.service';
import { PixelService } from './pixel/pixel.service';
import { InstallsController } from './installs/installs.controller';
import { InstallsService } from './installs/installs.service';

@Module({})
export class IngestionModule {
  static forRoot(config: LookbackConfig): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config, 'ingestion'),
        DatabaseModule.forRoot(12),
        QueuesModule.forRoot(),
      ],
      // /c and /i are plain Fastify routes (ingestion.app.ts) unless TRACKING_ROUTES=nest asks for the controller.
      controllers: [...(config.trackingRoutes === 'nest' ? [TrackingController] : []), InstallsController, EventsController, HealthController],
      providers: [
        CountryLookup,
        HealthService,
        CatalogService,
        { provide: SDK_SECRET_RESOLVER, useExisting: CatalogService },
        SignatureGuard,
        RateLimits,
        AppRateLimitGuard,
        TouchWriter,
        TouchSpool,
        TrackingService,
        InstallsService,
        EventWriter,
        EventsService,
        PixelHits,
        PixelService,
      ],
    };
  }
}
