import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AttributionInputsRepository, installPostbackUrl, recordDecision } from '@app/database';
import { decideAttribution, type Decision } from '@app/domain';
import { metrics } from '@app/http';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';
import { EventLinker } from '../events/event-linker.service';

export type AttributeOutcome = Decision['status'] | 'skipped';

interface AppContext {
  settings: NonNullable<Awaited<ReturnType<AttributionInputsRepository['settings']>>>;
  targets: Awaited<ReturnType<AttributionInputsRepository['postbackTargets']>>;
}

/**
 * Loads an install and its candidate touches, asks the pure decision function, and writes the decision
 * with its explanation and any postback it owes in one statement.
 */
@Injectable()
export class AttributionService {
  constructor(
    private readonly db: DataSource,
    private readonly inputs: AttributionInputsRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
    private readonly events: EventLinker,
  ) {}

  /**
   * An app's rules, campaign windows and postback targets, read at most every CACHE_TTL_MS: a burst of
   * installs reads them once. A settings change reaches decisions within that time.
   */
  private readonly appCache = new Map<string, { at: number; app: Promise<AppContext | undefined> }>();

  private appContext(appId: string): Promise<AppContext | undefined> {
    const hit = this.appCache.get(appId);
    if (hit && Date.now() - hit.at < this.config.cacheTtlMs) return hit.app;
    const app = Promise.all([this.inputs.settings(appId), this.inputs.postbackTargets(appId)]).then(([settings, targets]) =>
      settings ? { settings, targets } : undefined,
    );
    if (this.appCache.size > 10_000) this.appCache.clear();
    this.appCache.set(appId, { at: Date.now(), app });
    app.catch(() => this.appCache.delete(appId));
    return app;
  }

  async attribute(installId: string, appId?: string): Promise<AttributeOutcome> {
    const install = await this.inputs.install(installId, appId);
    if (!install) return 'skipped';
    if (install.status !== 'pending') {
      // Decided already, maybe by a run that failed before linking its events: linking again is harmless.
      await this.events.link(install.app_id, install.install_id);
      return 'skipped';
    }
    const app = await this.appContext(install.app_id);
    if (!app) return 'skipped';
    const { input, networkClickIds } = await this.inputs.load(install, app.settings);
    const decision = decideAttribution(input);

    const target = decision.status === 'attributed' && decision.campaignId ? app.targets.get(decision.campaignId) : undefined;
    const postback = target?.installPostbackUrl
      ? {
          networkId: target.networkId,
          url: installPostbackUrl(target.installPostbackUrl, install, decision, networkClickIds.get(decision.touchId ?? '')),
        }
      : undefined;
    const { decided, deliveryId } = await recordDecision(this.db, install, decision, postback);
    if (!decided) return 'skipped'; // another worker decided it first; its decision and outbox row stand

    metrics.decisions.inc({ status: decision.status, match_type: decision.matchType ?? 'none' });
    if (deliveryId) {
      await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId, appId: install.app_id }, deliveryId, deliveryJobOptions(this.config));
    }
    // Events that arrived before this decision committed inherit its attribution now; any later event sees the
    // install decided and links itself, so a cheap look first spares most installs the linking transaction.
    if (await this.events.anyWaiting(install.app_id, install.install_id)) {
      await this.events.link(install.app_id, install.install_id);
    }
    return decision.status;
  }
}
