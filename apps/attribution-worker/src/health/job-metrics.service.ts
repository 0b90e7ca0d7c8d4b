import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { metrics, registerQueueDepth } from '@app/http';
import { ATTRIBUTION_QUEUE, DELIVERY_QUEUE, EVENT_QUEUE } from '@app/queues';
import { AttributionProcessor } from '../attribution/attribution.processor';
import { DeliveryProcessor } from '../deliveries/delivery.processor';
import { EventsProcessor } from '../events/events.processor';

/** The worker's queue metrics: how deep each queue is (read at scrape time) and how long each job ran. */
@Injectable()
export class JobMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly attribution: AttributionProcessor,
    private readonly deliveries: DeliveryProcessor,
    private readonly events: EventsProcessor,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attributionQueue: Queue,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveryQueue: Queue,
    @InjectQueue(EVENT_QUEUE) private readonly eventQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    registerQueueDepth([this.attributionQueue, this.deliveryQueue, this.eventQueue]);
    for (const host of [this.attribution, this.deliveries, this.events]) {
      const worker = host.worker;
      const observe = (job: Job | undefined, result: 'completed' | 'failed') => {
        if (!job?.processedOn || !job.finishedOn) return;
        metrics.jobSeconds.observe({ queue: worker.name, name: job.name, result }, (job.finishedOn - job.processedOn) / 1000);
      };
      worker.on('completed', (job) => observe(job, 'completed'));
      worker.on('failed', (job) => observe(job, 'failed'));
    }
  }
}
