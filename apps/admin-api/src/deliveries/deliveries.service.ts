import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { DeliveriesRepository, DeliveryAttemptEntity, DeliveryEntity } from '@app/database';
import { LookbackError, ensureVisible, notFound, type AppScope } from '@app/domain';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';
import { listPage, scopeWhere } from '../common/pagination';
import type { DeliveryListQuery } from './deliveries.dto';

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly outbox: DeliveriesRepository,
    @InjectRepository(DeliveryEntity) private readonly deliveries: Repository<DeliveryEntity>,
    @InjectRepository(DeliveryAttemptEntity) private readonly attempts: Repository<DeliveryAttemptEntity>,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** The outbound log: every postback and webhook with its attempts and last error. */
  async list(q: DeliveryListQuery, scope: AppScope) {
    if (q.appId) ensureVisible(scope, q.appId, 'app', 'appId');
    const where = {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.appId ? { appId: q.appId } : scopeWhere(scope)),
      ...(q.subjectId ? { subjectId: q.subjectId } : {}),
    };
    const page = await listPage(this.deliveries, q, where, (d) => d);
    const attempts = page.items.length
      ? await this.attempts.find({
          where: page.items.map((d) => ({ appId: d.appId, deliveryId: d.id })),
          order: { attempt: 'ASC' },
        })
      : [];
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((d) => ({
        id: d.id,
        appId: d.appId,
        kind: d.kind,
        subjectType: d.subjectType,
        subjectId: d.subjectId,
        networkId: d.networkId,
        method: d.method,
        url: d.url,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: d.lastStatusCode,
        lastError: d.lastError,
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
        attemptLog: attempts
          .filter((a) => a.deliveryId === d.id)
          .map((a) => ({
            attempt: a.attempt,
            at: a.attemptedAt,
            outcome: a.outcome,
            finishedAt: a.finishedAt,
            statusCode: a.statusCode,
            error: a.error,
            durationMs: a.durationMs,
          })),
      })),
    };
  }

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
