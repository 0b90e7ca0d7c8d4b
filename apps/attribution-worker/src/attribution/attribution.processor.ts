import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import {
  ATTRIBUTE_INSTALL_JOB,
  ATTRIBUTION_QUEUE,
  REPLAY_APPLY_JOB,
  type AttributeInstallJob,
  type ReplayApplyJob,
} from '@app/queues';
import { ATTRIBUTION_BATCH, AttributionService, type AttributeOutcome } from './attribution.service';
import { ReplayJobService, type ReplayJobOutcome } from './replay-job.service';

// Many jobs in flight at once is what lets the service decide them in batches (see ATTRIBUTION_BATCH).
@Processor(ATTRIBUTION_QUEUE, { concurrency: 2 * ATTRIBUTION_BATCH })
export class AttributionProcessor extends WorkerHost {
  constructor(
    private readonly attribution: AttributionService,
    private readonly replays: ReplayJobService,
  ) {
    super();
  }

  async process(job: Job<AttributeInstallJob | ReplayApplyJob>): Promise<AttributeOutcome | ReplayJobOutcome> {
    switch (job.name) {
      case ATTRIBUTE_INSTALL_JOB: {
        const outcome = await this.attribution.attribute((job.data as AttributeInstallJob).installId, (job.data as AttributeInstallJob).appId);
        // Retried with backoff (and offered again by the reconciler) until the click arrives or the wait is over.
        if (outcome === 'waiting') throw new Error('waiting for the click its referrer names');
        return outcome;
      }
      case REPLAY_APPLY_JOB:
        return this.replays.run((job.data as ReplayApplyJob).appId, (job.data as ReplayApplyJob).runId);
      default:
        throw new Error(`unknown job ${job.name} on ${ATTRIBUTION_QUEUE}`);
    }
  }
}
