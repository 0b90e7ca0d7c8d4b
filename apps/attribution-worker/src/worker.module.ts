import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, type LookbackConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthService, loggingModule } from '@app/http';
import { OutboundModule } from '@app/outbound';
import { QueuesModule } from '@app/queues';
import { AudienceEvaluator } from './audiences/audience-evaluator.service';
import { PixelMonitor } from './pixel/pixel-monitor.service';
import { AttributionProcessor } from './attribution/attribution.processor';
import { AttributionService } from './attribution/attribution.service';
import { ReplayJobService } from './attribution/replay-job.service';
import { DeliveryProcessor } from './deliveries/delivery.processor';
import { DeliveryService } from './deliveries/delivery.service';
import { DeliveryHeaders } from './deliveries/delivery-headers.service';
import { EventLinker } from './events/event-linker.service';
import { EventsProcessor } from './events/events.processor';
import { EventsService } from './events/events.service';
import { HealthServer } from './health/health-server.service';
import { JobMetrics } from './health/job-metrics.service';
import { WorkerShutdown } from './lifecycle/worker-shutdown.service';
import { ReconcilerService } from './maintenance/reconciler.service';
import { UpkeepService } from './maintenance/upkeep.service';

@Module({})
export class WorkerModule {
  static forRoot(config: LookbackConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config, 'worker'),
        DatabaseModule.forRoot(20),
        QueuesModule.forRoot(),
        OutboundModule,
        DiscoveryModule,
      ],
      providers: [
        HealthService,
        HealthServer,
        WorkerShutdown,
        AttributionService,
        AttributionProcessor,
        ReplayJobService,
        DeliveryHeaders,
        DeliveryService,
        DeliveryProcessor,
        EventLinker,
        EventsService,
        EventsProcessor,
        ReconcilerService,
        UpkeepService,
        AudienceEvaluator,
        PixelMonitor,
        JobMetrics,
      ],
    };
  }
}
