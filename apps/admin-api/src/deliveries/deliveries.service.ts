import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { DeliveriesRepository } from '@app/database';
import { LookbackError, notFound, type AppScope } from '@app/domain';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly outbox: DeliveriesRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /**
   * The row goes back to pending first (committed), then a fresh job is offered with the full attempt budget.
   * If Redis is away the answer still stands: the reconciler re-offers pending deliveries.
   */
  async retry(id: string, scope: AppScope) {
    const outcome = await this.outbox.resetFailed(id, scope);
    if (outcome === 'not_found') throw notFound('delivery');
    if (outcome === 'not_failed') {
      throw new LookbackError('conflict', 'delivery_not_failed', 'Only a failed delivery can be retried; this one is pending or delivered.');
    }
    return { id, status: 'pending' as const, enqueued: await this.offer(id) };
  }

  /** The failed job of the earlier run keeps its id in Redis; it is removed so the new one is not ignored. */
  private async offer(id: string): Promise<boolean> {
    const cleared = await within(1000, async () => {
      const job = await this.queue.getJob(id);
      if (!job) return true;
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed' && state !== 'unknown') return 'queued' as const;
      await job.remove();
      return true;
    });
    if (cleared === 'queued') return true;
    if (!cleared) return false;
    return enqueueAfterCommit(this.queue, DELIVER_JOB, { deliveryId: id }, id, deliveryJobOptions(this.config));
  }
}

/** Redis calls wait for a connection forever by design; an HTTP answer must not. False on error or timeout. */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T | false> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work().catch(() => false as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
