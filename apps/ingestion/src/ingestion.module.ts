import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type LookbackConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthController, HealthService, SDK_SECRET_RESOLVER, SignatureGuard, loggingModule } from '@app/http';
import { QueuesModule } from '@app/queues';
import { CatalogService } from './catalog/catalog.service';
import { ClickSpool } from './clicks/click-spool.service';
import { ClicksController } from './clicks/clicks.controller';
import { ClicksService } from './clicks/clicks.service';
import { TouchWriter } from './clicks/touch-writer.service';
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
      controllers: [ClicksController, InstallsController, EventsController, HealthController],
      providers: [
        HealthService,
        CatalogService,
        { provide: SDK_SECRET_RESOLVER, useExisting: CatalogService },
        SignatureGuard,
        TouchWriter,
        ClickSpool,
        ClicksService,
        InstallsService,
        EventWriter,
        EventsService,
        PixelHits,
        PixelService,
      ],
    };
  }
}
