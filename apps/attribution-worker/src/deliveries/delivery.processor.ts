import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DELIVER_JOB, DELIVERY_QUEUE, type DeliverJob } from '@app/queues';
import { DeliveryService, type DeliverOutcome } from './delivery.service';

@Processor(DELIVERY_QUEUE, { concurrency: 32 })
export class DeliveryProcessor extends WorkerHost {
  constructor(private readonly deliveries: DeliveryService) {
    super();
  }

  async process(job: Job<DeliverJob>): Promise<DeliverOutcome> {
    switch (job.name) {
      case DELIVER_JOB:
        return this.deliveries.deliver(job.data.deliveryId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), job.data.appId);
      default:
        throw new Error(`unknown job ${job.name} on ${DELIVERY_QUEUE}`);
    }
  }
}
