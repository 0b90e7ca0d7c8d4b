import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { EventAppendRepository, GroupCommitWriter, type AppendedEvent, type NewEvent } from '@app/database';
import { CountryLookup, isDependencyDown, metrics } from '@app/http';
import { EVENT_QUEUE, PROCESS_EVENT_JOB, enqueueBulkAfterCommit } from '@app/queues';

/** An event as the services hand it to the writer; its status and country are filled here. */
export type EventRow = Omit<NewEvent, 'status' | 'country'> & {
  /** Placed in a country at ingest when `ip` is not kept (SDK events); defaults to `ip`. */
  countryIp?: string | null;
};

export type Written = AppendedEvent;

/**
 * Appends events through one group-commit writer, SDK events and pixel hits alike (EventAppendRepository: once
 * per idempotency key, a pixel hit's lcid resolved in the statement). A web event needs no worker job — unless its
 * revenue still waits for an FX rate. After each committed batch, ONE `addBulk` asks the worker for the rows that
 * need it.
 */
@Injectable()
export class EventWriter implements OnApplicationShutdown {
  private readonly writer: GroupCommitWriter<NewEvent, Written>;

  constructor(
    private readonly events: EventAppendRepository,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    private readonly countries: CountryLookup,
    @InjectQueue(EVENT_QUEUE) private readonly queue: Queue,
  ) {
    this.writer = new GroupCommitWriter(
      (rows) => this.events.append(rows),
      {
        maxRows: config.groupCommitMaxRows,
        // Each batch updates the same rollup rows (report_events) in its transaction, so batches commit one after
        // the other: two in flight, each gathered whole after a commit, as TouchWriter explains.
        maxInFlight: 2,
        gatherMs: 2,
        afterCommit: (rows, results) => this.enqueue(rows, results),
        retryAlone: (err) => !isDependencyDown(err),
      },
      ({ rows, ms }) => {
        metrics.batchRows.observe({ table: 'events' }, rows);
        metrics.batchSeconds.observe({ table: 'events' }, ms / 1000);
      },
    );
  }

  write(row: EventRow): Promise<Written> {
    const { countryIp, ...stored } = row;
    return this.writer.write({
      ...stored,
      status: needsWorker(row) ? 'pending' : 'unlinked',
      country: this.countries.country(countryIp !== undefined ? countryIp : row.ip),
    });
  }

  /** Not awaited by the callers: the rows are committed, and the reconciler offers any pending row Redis missed. */
  private enqueue(rows: NewEvent[], results: Written[]): void {
    const jobs = rows.flatMap((r, i) => (results[i].created && needsWorker(r) ? [{ jobId: r.id, data: { eventId: r.id, appId: r.appId } }] : []));
    if (jobs.length === 0) return;
    void enqueueBulkAfterCommit(this.queue, PROCESS_EVENT_JOB, jobs).then((queued) => {
      if (!queued) metrics.enqueueFailures.inc({ queue: EVENT_QUEUE }, jobs.length);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}

/**
 * What still needs the worker after the insert: an SDK event (linking to its install, postbacks), and a pixel
 * hit whose revenue has no USD value yet (filled once a rate exists). Other pixel hits are complete when stored.
 */
function needsWorker(r: Pick<NewEvent, 'source' | 'revenue' | 'revenueUsd'>): boolean {
  return r.source !== 'pixel' || (r.revenue !== null && r.revenueUsd === null);
}
