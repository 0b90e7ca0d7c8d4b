import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, offerJob } from '@app/queues';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AudiencesRepository, DeliveriesRepository, type AttemptRecord, type ClaimedDelivery } from '@app/database';
import { attemptOutcome, describeUrlTemplateProblem, nextDeliveryStatus, urlTemplateProblem, type NextDeliveryStatus } from '@app/domain';
import { metrics } from '@app/http';
import { OutboundService } from '@app/outbound';
import { DeliveryHeaders } from './delivery-headers.service';

export type DeliverOutcome = 'delivered' | 'failed' | 'retry' | 'skipped' | 'unknown';

export class DeliveryFailed extends Error {}

/** How long recording an answer may keep trying while PostgreSQL is away, before the sweep is left to judge it. */
const RECORD_FOR_MS = 20_000;

/**
 * Sends one outbox row, at most once successfully:
 * 1. claim: the row becomes `sending` and an attempt row is committed, both before the call;
 * 2. call the partner (total deadline OUTBOUND_TIMEOUT_MS);
 * 3. record the answer on that attempt.
 * A worker killed between 1 and 3 leaves an open attempt, which the next claim or the reconciler's sweep turns
 * into `interrupted` — the delivery then waits for a person (`unknown`) instead of being sent again, unless the
 * partner drops repeats. Before this order, a BullMQ stalled-job re-run after a `kill -9` found the row still
 * `pending` with an expired lease and no trace of the first call, and sent it again.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('deliveries');

  constructor(
    private readonly outbox: DeliveriesRepository,
    private readonly outbound: OutboundService,
    private readonly headers: DeliveryHeaders,
    private readonly audiences: AudiencesRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** Longer than any call can take (the deadline is total), plus the time to record its answer. */
  get leaseMs(): number {
    return this.config.outboundTimeoutMs + RECORD_FOR_MS + 10_000;
  }

  async deliver(deliveryId: string, lastAttempt: boolean, appId?: string): Promise<DeliverOutcome> {
    // Claiming now would open an attempt that the stopping process could only cut short.
    if (this.outbound.stopping) throw new DeliveryFailed('the worker is stopping; left for the next one');
    // A job re-run after its worker died finds that worker's open attempt here.
    const swept = await this.outbox.sweepInterrupted({ id: deliveryId, appId });
    for (const s of swept) this.noteInterrupted(s.id, s.status);
    // By (app_id, id) when the job names its app (routed to one shard); by id alone for older jobs.
    const claim = await this.outbox.claim(deliveryId, this.leaseMs, appId);
    if (!claim) return swept[0]?.status === 'unknown' ? 'unknown' : 'skipped';

    let record: AttemptRecord;
    // A failure that no retry can change (a URL that may not be called) ends the delivery at once.
    let final = false;
    const problem = urlTemplateProblem(claim.url);
    if (problem?.kind === 'macro_in_origin') {
      // Owed from a template saved before templates were checked, left unfilled (see postbackUrl).
      const why = describeUrlTemplateProblem(`the ${claim.kind} URL`, problem);
      record = { outcome: 'error', statusCode: null, error: `not sent: ${why} Fix the URL template.`, durationMs: 0 };
      final = true;
    } else {
      try {
        const headers = await this.headers.for(claim);
        const result = await this.outbound.send({ method: claim.method, url: claim.url, body: claim.body ?? undefined, headers });
        record = { outcome: attemptOutcome(result), statusCode: result.statusCode, error: result.error, durationMs: result.durationMs };
        final = result.final;
      } catch (err) {
        // Signing failed: nothing left the process.
        record = { outcome: 'error', statusCode: null, error: `not sent: ${(err as Error).message}`, durationMs: 0 };
      }
    }
    const status = nextDeliveryStatus(record.outcome, claim.kind, claim.networkDedupesClickId, lastAttempt || final);
    await this.record(claim, record, status);
    if (claim.audienceId && status !== 'pending') await this.offerNextWebhook(claim.appId, claim.audienceId);
    metrics.deliveries.inc({ kind: claim.kind, outcome: record.outcome === 'ok' ? 'ok' : 'error' });
    if (status !== 'pending') metrics.deliveriesFinal.inc({ kind: claim.kind, outcome: status });
    if (status === 'pending') throw new DeliveryFailed(record.error ?? 'delivery failed');
    return status;
  }

  /**
   * The answer is known and must not be lost to a short PostgreSQL outage (an open attempt would later be
   * judged interrupted: safe, but a person would have to look). Retries for a bounded time, then gives up.
   */
  private async record(claim: ClaimedDelivery, record: AttemptRecord, status: NextDeliveryStatus): Promise<void> {
    const until = Date.now() + RECORD_FOR_MS;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
      try {
        await this.outbox.finishAttempt(claim, record, status);
        return;
      } catch (err) {
        if (Date.now() + wait > until) {
          this.logger.error(
            `delivery ${claim.id} attempt ${claim.attempt} answered ${record.outcome} but could not be recorded: ${(err as Error).message}; left open for the sweep`,
          );
          throw err;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /**
   * An audience's webhooks wait for the one before them (see DeliveriesRepository.claim); once it is done, the next one is
   * offered at once instead of waiting for the reconciler. Best effort: Redis missing it leaves the reconciler.
   */
  private async offerNextWebhook(appId: string, audienceId: string): Promise<void> {
    try {
      const next = await this.audiences.nextWebhook(appId, audienceId);
      if (next) await offerJob(this.queue, DELIVER_JOB, { deliveryId: next, appId }, next, deliveryJobOptions(this.config));
    } catch (err) {
      this.logger.warn(`next webhook of audience ${audienceId} left to the reconciler: ${(err as Error).message}`);
    }
  }

  noteInterrupted(id: string, status: string): void {
    this.logger.warn(`delivery ${id}: an attempt was interrupted (worker stopped during the call); now ${status}`);
  }
}
