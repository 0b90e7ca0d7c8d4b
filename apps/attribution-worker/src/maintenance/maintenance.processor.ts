import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { ENSURE_PARTITIONS_JOB, MAINTENANCE_QUEUE, RECONCILE_JOB } from '@app/queues';
import { ReconcilerService } from './reconciler.service';

@Processor(MAINTENANCE_QUEUE, { concurrency: 1 })
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly reconciler: ReconcilerService,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {
    super();
  }

  /** Every worker upserts the same schedulers; Redis keeps one of each, so scaling out does not multiply them. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(RECONCILE_JOB, { every: this.config.reconcileEveryMs }, { name: RECONCILE_JOB });
    await this.queue.upsertJobScheduler(ENSURE_PARTITIONS_JOB, { every: 6 * 3_600_000 }, { name: ENSURE_PARTITIONS_JOB });
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case RECONCILE_JOB:
        return this.reconciler.reconcile();
      case ENSURE_PARTITIONS_JOB:
        return this.reconciler.ensurePartitions();
      default:
        throw new Error(`unknown job ${job.name} on ${MAINTENANCE_QUEUE}`);
    }
  }
}
