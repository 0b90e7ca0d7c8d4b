import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { metrics } from '@app/http';
import {
  ATTRIBUTE_INSTALL_JOB,
  ATTRIBUTION_QUEUE,
  DELIVER_JOB,
  DELIVERY_QUEUE,
  deliveryJobOptions,
  enqueueAfterCommit,
} from '@app/queues';

const BATCH = 1000;

/**
 * PostgreSQL is the system of record and Redis holds only work in flight. Anything still pending long after
 * it was written (Redis lost, enqueue timed out, a job failed for good) is offered to the queue again.
 */
@Injectable()
export class ReconcilerService {
  private readonly logger = new Logger('reconciler');

  constructor(
    private readonly db: DataSource,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attribution: Queue,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async reconcile(): Promise<{ installs: number; deliveries: number }> {
    const olderThan = this.config.reconcileAfterMs;
    const installs: { id: string }[] = await this.db.query(
      `SELECT id FROM installs WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY received_at LIMIT ${BATCH}`,
      [olderThan],
    );
    const deliveries: { id: string }[] = await this.db.query(
      `SELECT id FROM deliveries
        WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
          AND (locked_until IS NULL OR locked_until < now())
        ORDER BY updated_at LIMIT ${BATCH}`,
      [olderThan],
    );
    let n = 0;
    for (const { id } of installs) n += (await this.offer(this.attribution, ATTRIBUTE_INSTALL_JOB, { installId: id }, id)) ? 1 : 0;
    let d = 0;
    for (const { id } of deliveries) {
      d += (await this.offer(this.deliveries, DELIVER_JOB, { deliveryId: id }, id, deliveryJobOptions(this.config))) ? 1 : 0;
    }
    if (n + d > 0) this.logger.warn(`re-offered ${n} pending install(s) and ${d} pending deliver(ies) to the queues`);
    metrics.reconciled.inc({ what: 'install' }, n);
    metrics.reconciled.inc({ what: 'delivery' }, d);
    return { installs: n, deliveries: d };
  }

  /** A job still waiting or running is left alone; one that failed for good is retried; none is added. */
  private async offer(queue: Queue, name: string, data: object, id: string, opts = {}): Promise<boolean> {
    const job = await queue.getJob(id);
    if (!job) return enqueueAfterCommit(queue, name, data, id, opts);
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed');
      return true;
    }
    if (state === 'completed') {
      await job.remove();
      return enqueueAfterCommit(queue, name, data, id, opts);
    }
    return false;
  }

  async ensurePartitions(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [{ locked }]: { locked: boolean }[] = await tx.query('SELECT pg_try_advisory_xact_lock(7346221906) AS locked');
      if (locked) await tx.query(`SELECT lookback_ensure_partitions('clicks', 2)`);
    });
  }
}
