import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { EventsRepository } from '@app/database';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';

/**
 * Ties events to their install once the install is decided (EventsRepository.link: the attribution copied onto
 * them and the event postbacks owed, in one transaction), then hands those postbacks to the queue. Two paths call
 * it and may race: the event processor (event after install) and the attribution processor (event before
 * install); each event is linked once and posted back at most once whichever path wins.
 */
@Injectable()
export class EventLinker {
  constructor(
    private readonly events: EventsRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /**
   * Links the app's waiting events of this client installId (or only `eventId`). Undefined when the install
   * is unknown or still pending: the events keep waiting for the attribution processor.
   */
  async link(appId: string, clientInstallId: string, eventId?: string): Promise<{ linked: number } | undefined> {
    const outcome = await this.events.link(appId, clientInstallId, eventId);
    if (!outcome) return undefined;
    for (const id of outcome.deliveryIds) {
      await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId: id, appId }, id, deliveryJobOptions(this.config));
    }
    return { linked: outcome.linked };
  }
}
