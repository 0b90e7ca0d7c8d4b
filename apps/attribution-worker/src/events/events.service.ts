import { Injectable } from '@nestjs/common';
import { EventsRepository, FxRatesRepository, type StoredEvent } from '@app/database';
import { toUsd } from '@app/domain';
import { EventLinker } from './event-linker.service';

export type EventOutcome = 'linked' | 'waiting' | 'unlinked' | 'skipped';

/**
 * After an event is stored: finish its USD value if ingestion had no rate, then link it to its install
 * (inheriting the attribution and owing the postback) or leave it waiting for the install's decision.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly rates: FxRatesRepository,
    private readonly linker: EventLinker,
  ) {}

  async process(eventId: string, appId?: string): Promise<EventOutcome> {
    const event = await this.events.find(eventId, appId);
    if (!event) return 'skipped';
    if (event.revenue !== null && event.revenueUsd === null && event.currency) await this.fillUsd(event);
    if (event.status === 'linked' || event.status === 'unlinked') return 'skipped';

    // A pixel hit has no install. Its `lcid` (the Lookback click that brought the visitor) was resolved to a campaign
    // when ingestion stored it (EventWriter's insert); a web event reaches the worker only to get its USD value.
    if (event.installId === null) {
      await this.events.settlePending(event, 'unlinked');
      return 'unlinked';
    }
    const linked = await this.linker.link(event.appId, event.installId, event.id);
    if (linked) return linked.linked > 0 ? 'linked' : 'skipped';
    // The install is unknown or undecided: the attribution processor links this event when it decides.
    await this.events.settlePending(event, 'waiting');
    return 'waiting';
  }

  /** A rate set after the event arrived (PUT /v1/fx-rates) still normalizes it. */
  private async fillUsd(event: StoredEvent): Promise<void> {
    const rate = event.currency ? await this.rates.rate(event.currency) : undefined;
    if (!rate || event.revenue === null) return;
    await this.events.setRevenueUsd(event, toUsd(event.revenue, rate));
  }
}
