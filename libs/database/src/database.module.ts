import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { ApiKeysRepository } from './api-keys.repository';
import { AttributionInputsRepository } from './attribution/attribution-inputs.repository';
import { AudiencesRepository } from './audiences/audiences.repository';
import { AttributionReplayer } from './attribution/replayer';
import { ReplayRunsRepository } from './attribution/replay-runs.repository';
import { dataSourceOptions, ENTITIES } from './data-source';
import { EventAppendRepository } from './events/event-append.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { EventsRepository } from './events/events.repository';
import { ExportsRepository } from './exports.repository';
import { FxRatesRepository } from './fx-rates.repository';
import { InstallsRepository } from './installs/installs.repository';
import { MaintenanceRepository } from './maintenance.repository';
import { PixelRepository } from './pixel.repository';
import { PoolErrorGuard } from './pool-errors';
import { PrivacyRepository } from './privacy.repository';
import { ReportsRepository } from './reports.repository';
import { CatalogRepository } from './tracking/catalog.repository';
import { TouchesRepository } from './tracking/touches.repository';

/** The repositories the apps call: one home per feature. */
const REPOSITORIES = [
  AttributionInputsRepository,
  AttributionReplayer,
  ReplayRunsRepository,
  ReportsRepository,
  ExportsRepository,
  PrivacyRepository,
  AudiencesRepository,
  EventsRepository,
  FxRatesRepository,
  MaintenanceRepository,
  ApiKeysRepository,
  InstallsRepository,
  EventAppendRepository,
  DeliveriesRepository,
  PixelRepository,
  TouchesRepository,
  CatalogRepository,
];

@Module({})
export class DatabaseModule {
  static forRoot(poolSize = 10): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [LOOKBACK_CONFIG],
          useFactory: (config: LookbackConfig) => ({
            ...dataSourceOptions(config.databaseUrl, poolSize),
            migrationsRun: false,
          }),
        }),
        TypeOrmModule.forFeature(ENTITIES),
      ],
      providers: [PoolErrorGuard, ...REPOSITORIES],
      exports: [TypeOrmModule, ...REPOSITORIES],
    };
  }
}
