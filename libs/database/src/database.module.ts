import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AttributionInputsRepository } from './attribution/attribution-inputs.repository';
import { AudiencesRepository } from './audiences/audiences.repository';
import { AttributionReplayer } from './attribution/replayer';
import { ReplayRunsRepository } from './attribution/replay-runs.repository';
import { dataSourceOptions, ENTITIES } from './data-source';
import { ExportsRepository } from './exports.repository';
import { PoolErrorGuard } from './pool-errors';
import { PrivacyRepository } from './privacy.repository';
import { ReportsRepository } from './reports.repository';

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
      providers: [PoolErrorGuard, AttributionInputsRepository, AttributionReplayer, ReplayRunsRepository, ReportsRepository, ExportsRepository, PrivacyRepository, AudiencesRepository],
      exports: [TypeOrmModule, AttributionInputsRepository, AttributionReplayer, ReplayRunsRepository, ReportsRepository, ExportsRepository, PrivacyRepository, AudiencesRepository],
    };
  }
}
