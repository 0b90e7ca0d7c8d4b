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
  type AttemptRowOutcome,
} from './entities/delivery.entity';
export {
  DeliveriesRepository,
  type ClaimedDelivery,
  type AttemptRecord,
  type SweptDelivery,
  type RetryOutcome,
} from './deliveries.repository';
export { EventEntity, type EventSource, type EventStatus } from './entities/event.entity';
export { FxRateEntity } from './entities/fx-rate.entity';
export { createDataSource, dataSourceOptions, ENTITIES, MIGRATIONS } from './data-source';
export { migrate, ensureDatabase, ensurePartitions, PARTITIONED_TABLES } from './migrate';
export { GroupCommitWriter, type GroupCommitOptions, type BatchStats } from './group-commit';
export { DatabaseModule } from './database.module';
export {
  AttributionInputsRepository,
  type CandidateSet,
  type InstallFactsRow,
  type LoadedInputs,
  type TouchRow,
} from './attribution/attribution-inputs.repository';
export { BATCH_SIGNALS, type BatchSignal } from './attribution/signals';
export {
  writeDecisions,
  owedInstallPostback,
  type DecisionWrite,
  type DecisionWritten,
  type PostbackTarget,
} from './attribution/decision-writer';
export { insertPostback, installsPostedBack } from './deliveries/outbox';
export { clickById, type ClickRef } from './clicks/clicks';
export { namedQuery, rowsOf, type Queryable } from './sql';
export { installsWithWaitingEvents, waitingKey } from './events/waiting-events';
export { EventsRepository, type StoredEvent, type EventKey, type EventsLinked } from './events/events.repository';
export { campaignPostbackTargets, type CampaignPostbackTarget } from './campaigns/postback-targets';
export { FxRatesRepository, type FxRateRow } from './fx-rates.repository';
export { ApiKeysRepository } from './api-keys.repository';
export { AttributionReplayer, REPLAY_PAGE, type ReplayParams, type ReplayReport } from './attribution/replayer';
export {
  ReplayRunsRepository,
  type ReplayRun,
  type ReplayRunStatus,
  type StoredReplayParams,
} from './attribution/replay-runs.repository';
export { DISTRIBUTION_COLUMN, REFERENCE_TABLES, LOCAL_TABLES } from './distribution';
export {
  PixelRepository,
  type PixelJudgement,
  type PixelHitCount,
  type PixelHitTotalsRow,
  type MonitoredApp,
  type MonitorStateRow,
  type MonitorCountersRow,
} from './pixel.repository';
export { ReportsRepository, type ReportGrouping, type ReportRow, type CohortRow, type CostInput } from './reports.repository';
export { ExportsRepository, EXPORT_COLUMNS, type ExportKind, type ExportCursor } from './exports.repository';
export { PrivacyRepository, type Person, type Erased, type ExitHook } from './privacy.repository';
export { reducePersonalData, dropExpiredPartitions } from './upkeep.repository';
export { MaintenanceRepository, type StaleRow } from './maintenance.repository';
export {
  AudiencesRepository,
  type AudienceRow,
  type MemberRow,
  type PersonRef,
  type DirtyRow,
  type MembershipChange,
  type FactsWanted,
} from './audiences/audiences.repository';
export { InstallsRepository, type NewInstall, type AppendedInstall } from './installs/installs.repository';
export { EventAppendRepository, type NewEvent, type AppendedEvent } from './events/event-append.repository';
export { TouchesRepository, TOUCH_TABLE, type NewTouch, type TouchKind } from './tracking/touches.repository';
export { CatalogRepository, type CampaignRow, type TrackedAppRow } from './tracking/catalog.repository';
