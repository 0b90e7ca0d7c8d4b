import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { MaintenanceRepository, ReplayRunsRepository } from '@app/database';
import { Ticker, metrics } from '@app/http';
import {
  ATTRIBUTE_INSTALL_JOB,
  ATTRIBUTION_QUEUE,
  DELIVER_JOB,
  DELIVERY_QUEUE,
  EVENT_QUEUE,
  PROCESS_EVENT_JOB,
  REPLAY_APPLY_JOB,
  deliveryJobOptions,
  offerJob,
} from '@app/queues';

const BATCH = 1000;
const PARTITIONS_EVERY_MS = 6 * 3_600_000;

/**
 * PostgreSQL is the system of record and Redis holds only work in flight. Anything still pending long after
 * it was written (Redis lost, enqueue timed out, a job failed for good) is offered to the queue again.
 * It runs on a timer in every worker, not as a BullMQ repeatable job: a schedule kept in Redis would vanish
 * with the very Redis data it is meant to recover. A PostgreSQL advisory lock lets one worker at a time work.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('reconciler');
  private readonly ticker: Ticker;
  private lastPartitionCheck = 0;

  constructor(
    private readonly maintenance: MaintenanceRepository,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attribution: Queue,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @InjectQueue(EVENT_QUEUE) private readonly events: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
    private readonly replayRuns: ReplayRunsRepository,
  ) {
    this.ticker = new Ticker(config.reconcileEveryMs, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.ticker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ticker.stop();
  }

  private async tick(): Promise<void> {
    try {
      await this.maintenance.exclusively('reconcile', async () => {
        await this.reconcile();
        if (Date.now() - this.lastPartitionCheck > PARTITIONS_EVERY_MS) {
          await this.maintenance.ensurePartitions();
          this.lastPartitionCheck = Date.now();
        }
      });
    } catch (err) {
      this.logger.warn(`reconcile skipped: ${(err as Error).message}`);
    }
  }

  async reconcile(): Promise<{ installs: number; deliveries: number; interrupted: number }> {
    const olderThan = this.config.reconcileAfterMs;
    // Attempts a dead worker left open: never resent silently (see sweepInterruptedDeliveries).
    const swept = await this.maintenance.sweepInterrupted(BATCH);
    for (const s of swept) {
      this.logger.warn(`delivery ${s.id}: an attempt was interrupted (worker stopped during the call); now ${s.status}`);
    }
    const installs = await this.maintenance.stalePending('installs', olderThan, BATCH);
    const deliveries = await this.maintenance.staleDeliveries(olderThan, BATCH);
    let n = 0;
    for (const { id, appId } of installs) {
      n += (await this.offer(this.attribution, ATTRIBUTE_INSTALL_JOB, { installId: id, appId }, id)) ? 1 : 0;
    }
    let d = 0;
    const resend = swept.filter((s) => s.status === 'pending' && !deliveries.some((x) => x.id === s.id));
    for (const { id, appId } of [...deliveries, ...resend.map((s) => ({ id: s.id, appId: s.appId }))]) {
      d += (await this.offer(this.deliveries, DELIVER_JOB, { deliveryId: id, appId }, id, deliveryJobOptions(this.config))) ? 1 : 0;
    }
    // Events never processed (Redis lost the job); waiting ones are the attribution processor's to link.
    const events = await this.maintenance.stalePending('events', olderThan, BATCH);
    let e = 0;
    for (const { id, appId } of events) {
      e += (await this.offer(this.events, PROCESS_EVENT_JOB, { eventId: id, appId }, id)) ? 1 : 0;
    }
    if (e > 0) this.logger.warn(`re-offered ${e} pending event(s) to the queue`);
    metrics.reconciled.inc({ what: 'event' }, e);
    // Applied replays whose job Redis lost; one still running keeps its job (offer leaves active jobs alone).
    let r = 0;
    for (const { id, appId } of await this.replayRuns.stale(olderThan, BATCH)) {
      r += (await this.offer(this.attribution, REPLAY_APPLY_JOB, { runId: id, appId }, id)) ? 1 : 0;
    }
    if (r > 0) this.logger.warn(`re-offered ${r} replay run(s) to the queue`);
    if (n + d > 0) this.logger.warn(`re-offered ${n} pending install(s) and ${d} pending deliver(ies) to the queues`);
    metrics.reconciled.inc({ what: 'install' }, n);
    metrics.reconciled.inc({ what: 'delivery' }, d);
    return { installs: n, deliveries: d, interrupted: swept.length };
  }

  private offer(queue: Queue, name: string, data: object, id: string, opts = {}): Promise<boolean> {
    return offerJob(queue, name, data, id, opts);
  }
}
