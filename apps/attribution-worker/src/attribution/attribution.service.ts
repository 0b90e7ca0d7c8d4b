import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AttributionInputsRepository, owePostback, writeDecision } from '@app/database';
import { decideAttribution, type Decision } from '@app/domain';
import { metrics } from '@app/http';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';
import { EventLinker } from '../events/event-linker.service';

export type AttributeOutcome = Decision['status'] | 'skipped';

type Settings = NonNullable<Awaited<ReturnType<AttributionInputsRepository['settings']>>>;

/**
 * Loads an install and its candidate touches, asks the pure decision function, and writes the decision
 * with its explanation and any postback it owes in one transaction.
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

  /** An app's rules and campaign windows, read at most every CACHE_TTL_MS: a burst of installs reads them once. */
  private readonly settingsCache = new Map<string, { at: number; settings: Promise<Settings | undefined> }>();

  private settings(appId: string): Promise<Settings | undefined> {
    const hit = this.settingsCache.get(appId);
    if (hit && Date.now() - hit.at < this.config.cacheTtlMs) return hit.settings;
    const settings = this.inputs.settings(appId);
    if (this.settingsCache.size > 10_000) this.settingsCache.clear();
    this.settingsCache.set(appId, { at: Date.now(), settings });
    settings.catch(() => this.settingsCache.delete(appId));
    return settings;
  }

  async attribute(installId: string): Promise<AttributeOutcome> {
    const install = await this.inputs.install(installId);
    if (!install) return 'skipped';
    if (install.status !== 'pending') {
      // Decided already, maybe by a run that failed before linking its events: linking again is harmless.
      await this.events.link(install.app_id, install.install_id);
      return 'skipped';
    }
    const settings = await this.settings(install.app_id);
    if (!settings) return 'skipped';
    const { input, networkClickIds } = await this.inputs.load(install, settings);
    const decision = decideAttribution(input);

    const deliveryId = await this.db.transaction(async (tx) => {
      const written = await writeDecision(tx, install.id, decision, 'pending');
      if (!written) return null; // another worker decided it first; its decision and outbox row stand
      if (decision.status !== 'attributed') return undefined;
      return owePostback(tx, install, decision, decision.touchId ? networkClickIds.get(decision.touchId) : null);
    });
    if (deliveryId === null) return 'skipped';

    metrics.decisions.inc({ status: decision.status, match_type: decision.matchType ?? 'none' });
    if (deliveryId) {
      await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId }, deliveryId, deliveryJobOptions(this.config));
    }
    // Events that arrived before this install was decided inherit its attribution now.
    await this.events.link(install.app_id, install.install_id);
    return decision.status;
  }
}
