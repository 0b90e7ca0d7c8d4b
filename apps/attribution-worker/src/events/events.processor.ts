import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { EVENT_QUEUE, PROCESS_EVENT_JOB, type ProcessEventJob } from '@app/queues';
import { EventsService, type EventOutcome } from './events.service';

@Processor(EVENT_QUEUE, { concurrency: 16 })
export class EventsProcessor extends WorkerHost {
  constructor(private readonly events: EventsService) {
    super();
  }

  async process(job: Job<ProcessEventJob>): Promise<EventOutcome> {
    switch (job.name) {
      case PROCESS_EVENT_JOB:
        return this.events.process(job.data.eventId, job.data.appId);
      default:
        throw new Error(`unknown job ${job.name} on ${EVENT_QUEUE}`);
    }
  }
}
