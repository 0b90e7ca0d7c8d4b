import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { AppEntity } from './entities/app.entity';
import { CampaignEntity } from './entities/campaign.entity';
import { DeliveryAttemptEntity, DeliveryEntity } from './entities/delivery.entity';
import { InstallEntity } from './entities/install.entity';
import { NetworkEntity } from './entities/network.entity';
import { EventEntity } from './entities/event.entity';
import { FxRateEntity } from './entities/fx-rate.entity';
import { CreateCoreSchema1764547200000 } from './migrations/1764547200000-CreateCoreSchema';
import { AddImpressionsAndFraudRules1764604800000 } from './migrations/1764604800000-AddImpressionsAndFraudRules';
import { CreateEvents1764633600000 } from './migrations/1764633600000-CreateEvents';
import { CreateReplayRuns1764720000000 } from './migrations/1764720000000-CreateReplayRuns';
import { KeyEveryTableByApp1764730000000 } from './migrations/1764730000000-KeyEveryTableByApp';
import { ScopeApiKeys1764750000000 } from './migrations/1764750000000-ScopeApiKeys';
import { CreateReportRollups1764750100000 } from './migrations/1764750100000-CreateReportRollups';
import { CreateSuppressions1764750200000 } from './migrations/1764750200000-CreateSuppressions';
import { CountPixelTestHits1764770000000 } from './migrations/1764770000000-CountPixelTestHits';
import { RecordAttemptsBeforeSend1764710000000 } from './migrations/1764710000000-RecordAttemptsBeforeSend';
import { AddCustomerUserIds1764820000000 } from './migrations/1764820000000-AddCustomerUserIds';
import { CreateAudiences1764820000100 } from './migrations/1764820000100-CreateAudiences';
import { WakePeopleNotMemberships1764820000200 } from './migrations/1764820000200-WakePeopleNotMemberships';
import { IndexPoachingSignals1764860000000 } from './migrations/1764860000000-IndexPoachingSignals';
import { CreatePixelMonitor1764870000000 } from './migrations/1764870000000-CreatePixelMonitor';
import { CreateSourceRollups1764900000000 } from './migrations/1764900000000-CreateSourceRollups';
import { CountClickSourcesFromTheIndex1764910000000 } from './migrations/1764910000000-CountClickSourcesFromTheIndex';

export const ENTITIES = [
  ApiKeyEntity,
  AppEntity,
  NetworkEntity,
  CampaignEntity,
  InstallEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  EventEntity,
  FxRateEntity,
];

export const MIGRATIONS = [
  CreateCoreSchema1764547200000,
  AddImpressionsAndFraudRules1764604800000,
  CreateEvents1764633600000,
  RecordAttemptsBeforeSend1764710000000,
  CreateReplayRuns1764720000000,
  KeyEveryTableByApp1764730000000,
  ScopeApiKeys1764750000000,
  CreateReportRollups1764750100000,
  CreateSuppressions1764750200000,
  CountPixelTestHits1764770000000,
  AddCustomerUserIds1764820000000,
  CreateAudiences1764820000100,
  WakePeopleNotMemberships1764820000200,
  IndexPoachingSignals1764860000000,
  CreatePixelMonitor1764870000000,
  CreateSourceRollups1764900000000,
  CountClickSourcesFromTheIndex1764910000000,
];

export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: poolSize, connectionTimeoutMillis: 5000, application_name: 'lookback' },
  };
}

export function createDataSource(databaseUrl: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(databaseUrl, poolSize));
}
