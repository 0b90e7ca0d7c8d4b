export { ApiKeyEntity, type ApiScope } from './entities/api-key.entity';
export { AppEntity, type Platform } from './entities/app.entity';
export { NetworkEntity } from './entities/network.entity';
export { CampaignEntity, type CampaignStatus } from './entities/campaign.entity';
export { InstallEntity, type InstallStatus } from './entities/install.entity';
export {
  DeliveryEntity,
  DeliveryAttemptEntity,
  type DeliveryKind,
  type DeliveryStatus,
} from './entities/delivery.entity';
export { EventEntity, type EventSource, type EventStatus } from './entities/event.entity';
export { FxRateEntity } from './entities/fx-rate.entity';
export { createDataSource, dataSourceOptions, ENTITIES, MIGRATIONS } from './data-source';
export { migrate, ensureDatabase, ensurePartitions, PARTITIONED_TABLES } from './migrate';
export { GroupCommitWriter, type GroupCommitOptions, type BatchStats } from './group-commit';
export { DatabaseModule } from './database.module';
export { AttributionInputsRepository, type InstallFactsRow, type LoadedInputs } from './attribution-inputs.repository';
export {
  writeDecision,
  recordDecision,
  owePostback,
  installPostbackUrl,
  insertPostback,
  networkClickId,
} from './decision-writer';
export { resetFailedDelivery, type RetryOutcome } from './deliveries.repository';
export { DISTRIBUTION_COLUMN, REFERENCE_TABLES, LOCAL_TABLES } from './distribution';
