import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigModule, type LookbackConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { AudiencesController } from './audiences/audiences.controller';
import { AudiencesService } from './audiences/audiences.service';
import { CountryLookup, HealthService, RateLimits, loggingModule } from '@app/http';
import { QueuesModule } from '@app/queues';
import { AppsController } from './apps/apps.controller';
import { AppsService } from './apps/apps.service';
import { ReplayController } from './attribution/replay.controller';
import { CostsController, ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports.service';
import { ReplayService } from './attribution/replay.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysController } from './auth/api-keys.controller';
import { ApiKeysService } from './auth/api-keys.service';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { ExportsController } from './exports/exports.controller';
import { PrivacyController } from './privacy/privacy.controller';
import { DeliveriesService } from './deliveries/deliveries.service';
import { InstallsController } from './installs/installs.controller';
import { InstallsService } from './installs/installs.service';
import { NetworksController } from './networks/networks.controller';
import { NetworksService } from './networks/networks.service';
import { FxRatesController } from './fx-rates/fx-rates.controller';
import { FxRatesService } from './fx-rates/fx-rates.service';
import { PixelAdminService } from './pixel/pixel-admin.service';
import { PixelController } from './pixel/pixel.controller';
import { PublicHealthController } from './public-health.controller';

@Module({})
export class AdminModule {
  static forRoot(config: LookbackConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [ConfigModule.forRoot(config), loggingModule(config, 'admin'), DatabaseModule.forRoot(10), QueuesModule.forRoot()],
      controllers: [
        PublicHealthController,
        ApiKeysController,
        AppsController,
        NetworksController,
        CampaignsController,
        InstallsController,
        DeliveriesController,
        ReplayController,
        ReportsController,
        CostsController,
        ExportsController,
        PrivacyController,
        FxRatesController,
        PixelController,
        AudiencesController,
      ],
      providers: [
        CountryLookup,
        HealthService,
        RateLimits,
        ApiKeysService,
        AppsService,
        NetworksService,
        CampaignsService,
        ReplayService,
        DeliveriesService,
        InstallsService,
        ReportsService,
        FxRatesService,
        PixelAdminService,
        AudiencesService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }
}
