import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AttributionInputsRepository, AttributionReplayer, ReplayRunsRepository } from '@app/database';
import type { DecisionOverrides } from '@app/domain';
import { metrics } from '@app/http';
import { DELIVERY_QUEUE, enqueueDeliveries } from '@app/queues';

export type ReplayJobOutcome = 'done' | 'skipped';

/**
 * Runs an applied replay: pages of decided installs through the batch loader, the decision function and the
 * batch writer — the live attribution path — recording progress per page and the result at the end.
 */
@Injectable()
export class ReplayJobService {
  constructor(
    private readonly runs: ReplayRunsRepository,
    private readonly replayer: AttributionReplayer,
    private readonly inputs: AttributionInputsRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async run(appId: string, runId: string): Promise<ReplayJobOutcome> {
    const run = await this.runs.start(appId, runId);
    if (!run) return 'skipped'; // finished already (a re-offered job) or unknown
    try {
      const settings = await this.inputs.settings(run.appId);
      if (!settings) {
        await this.runs.fail(run, 'the app no longer exists');
        return 'done';
      }
      const p = run.params;
      const report = await this.replayer.run(
        {
          appId: p.appId,
          from: new Date(p.from),
          to: new Date(p.to),
          overrides: (p.overrides ?? undefined) as DecisionOverrides | undefined,
          limit: p.limit,
          apply: true,
          sendOwedPostbacks: p.sendOwedPostbacks,
        },
        settings,
        async ({ processed, deliveryIds }) => {
          if (deliveryIds.length > 0) {
            const queued = await enqueueDeliveries(this.deliveries, this.config, deliveryIds.map((deliveryId) => ({ deliveryId, appId: run.appId })));
            if (!queued) metrics.enqueueFailures.inc({ queue: DELIVERY_QUEUE }, deliveryIds.length);
          }
          await this.runs.progress(run, processed);
        },
      );
      await this.runs.finish(run, { appId: p.appId, from: p.from, to: p.to, dryRun: false, overrides: p.overrides, ...report });
      return 'done';
    } catch (err) {
      // Recorded for the admin API; the job's retry (a rerun finds what was applied already unchanged) may still finish it.
      await this.runs.fail(run, (err as Error).message).catch(() => undefined);
      throw err;
    }
  }
}
