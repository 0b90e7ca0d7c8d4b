import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toUsd, uuidv7Time } from '@app/domain';
import { EventLinker } from './event-linker.service';

export type EventOutcome = 'linked' | 'waiting' | 'unlinked' | 'skipped';

interface EventRow {
  id: string;
  app_id: string;
  install_id: string | null;
  revenue: string | null;
  currency: string | null;
  revenue_usd: string | null;
  click_id: string | null;
  status: string;
  received_at: Date;
}

/**
 * The event's id is a UUIDv7 of its received time: the partition to read, within a second of clock rounding.
 * With its app ($3) the look-up uses the primary key (app_id, id, received_at) and is routed to one shard.
 */
const BY_ID = `id = $1 AND received_at BETWEEN $2::timestamptz - interval '1 second' AND $2::timestamptz + interval '1 second'`;
const BY_KEY = `app_id = $3 AND ${BY_ID}`;

/**
 * After an event is stored: finish its USD value if ingestion had no rate, then link it to its install
 * (inheriting the attribution and owing the postback) or leave it waiting for the install's decision.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly db: DataSource,
    private readonly linker: EventLinker,
  ) {}

  async process(eventId: string, appId?: string): Promise<EventOutcome> {
    const ts = uuidv7Time(eventId);
    if (!ts) return 'skipped';
    // Without appId (a job enqueued by an older version) the read scans the one partition of the event's time.
    const [event]: EventRow[] = await this.db.query(
      `SELECT id, app_id, install_id, revenue::text AS revenue, currency, revenue_usd::text AS revenue_usd, click_id, status,
              received_at
         FROM events WHERE ${appId ? BY_KEY : BY_ID}`,
      appId ? [eventId, ts, appId] : [eventId, ts],
    );
    if (!event) return 'skipped';
    if (event.revenue !== null && event.revenue_usd === null && event.currency) await this.fillUsd(event, ts);
    if (event.status === 'linked' || event.status === 'unlinked') return 'skipped';

    if (event.install_id === null) return this.webEvent(event, ts);
    const linked = await this.linker.link(event.app_id, event.install_id, event.id);
    if (linked) return linked.linked > 0 ? 'linked' : 'skipped';
    // The install is unknown or undecided: the attribution processor links this event when it decides.
    await this.db.query(`UPDATE events SET status = 'waiting' WHERE ${BY_KEY} AND status = 'pending'`, [eventId, ts, event.app_id]);
    return 'waiting';
  }

  /** A rate set after the event arrived (PUT /v1/fx-rates) still normalizes it. */
  private async fillUsd(event: EventRow, ts: Date): Promise<void> {
    const [rate]: { usd_per_unit: string }[] = await this.db.query(
      'SELECT usd_per_unit::text AS usd_per_unit FROM fx_rates WHERE currency = $1',
      [event.currency],
    );
    if (!rate || event.revenue === null) return;
    await this.db.query(`UPDATE events SET revenue_usd = $4 WHERE ${BY_KEY} AND revenue_usd IS NULL`, [
      event.id,
      ts,
      event.app_id,
      toUsd(event.revenue, rate.usd_per_unit),
    ]);
  }

  /**
   * A pixel hit has no install. Its `lcid` (the Lookback click that brought the visitor) was resolved to a campaign
   * when ingestion stored it (EventWriter's insert); a web event reaches the worker only to get its USD value.
   */
  private async webEvent(event: EventRow, ts: Date): Promise<EventOutcome> {
    await this.db.query(`UPDATE events SET status = 'unlinked' WHERE ${BY_KEY} AND status = 'pending'`, [event.id, ts, event.app_id]);
    return 'unlinked';
  }
}
