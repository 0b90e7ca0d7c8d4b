import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { ATTRIBUTE_INSTALL_JOB, ATTRIBUTION_QUEUE, type AttributeInstallJob } from '@app/queues';
import { AttributionService, type AttributeOutcome } from './attribution.service';

@Processor(ATTRIBUTION_QUEUE, { concurrency: 16 })
export class AttributionProcessor extends WorkerHost {
  constructor(private readonly attribution: AttributionService) {
    super();
  }

  async process(job: Job<AttributeInstallJob>): Promise<AttributeOutcome> {
    switch (job.name) {
      case ATTRIBUTE_INSTALL_JOB:
        return this.attribution.attribute(job.data.installId, job.data.appId);
      default:
        throw new Error(`unknown job ${job.name} on ${ATTRIBUTION_QUEUE}`);
    }
  }
}
