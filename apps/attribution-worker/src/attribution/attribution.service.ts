import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import {
  AttributionInputsRepository,
  GroupCommitWriter,
  installsWithWaitingEvents,
  waitingKey,
  owedInstallPostback,
  writeDecisions,
  type DecisionWrite,
  type InstallFactsRow,
} from '@app/database';
import { awaitsNamedClick, decideInOrder, type Decision, type DecisionSettings } from '@app/domain';
import { isDependencyDown, metrics } from '@app/http';
import { DELIVERY_QUEUE, enqueueDeliveries } from '@app/queues';
import { EventLinker } from '../events/event-linker.service';

/** `waiting`: not decided yet, the click its referrer names is not stored yet (see awaitsNamedClick). */
export type AttributeOutcome = Decision['status'] | 'skipped' | 'waiting';

/** An install a job asks about: its id, and its app when the job names it (routes the look-up to one shard). */
export interface InstallKey {
  id: string;
  appId?: string;
}

interface AppContext {
  settings: DecisionSettings;
  targets: Awaited<ReturnType<AttributionInputsRepository['postbackTargets']>>;
}

/** Installs decided together. Big enough to amortize each statement, small enough to keep latency low. */
export const ATTRIBUTION_BATCH = 200;

/**
 * Decides installs in batches. Each job hands its install id to a group-commit style batcher: with no batch in
 * flight an id is decided at once, and under load the ids that arrive meanwhile are decided together. Per batch
 * about eight read statements (one per kind of input), the pure decision function per install, ONE statement for
 * all decisions and their outbox rows, and one `addBulk` for the deliveries.
 */
@Injectable()
export class AttributionService {
  private readonly batcher: GroupCommitWriter<InstallKey, AttributeOutcome>;

  constructor(
    private readonly db: DataSource,
    private readonly inputs: AttributionInputsRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveryQueue: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
    private readonly events: EventLinker,
  ) {
    this.batcher = new GroupCommitWriter((ids) => this.attributeBatch(ids), { maxRows: ATTRIBUTION_BATCH, maxInFlight: 2, retryAlone: (err) => !isDependencyDown(err) }, ({ rows, ms }) => {
      metrics.batchRows.observe({ table: 'attribution' }, rows);
      metrics.batchSeconds.observe({ table: 'attribution' }, ms / 1000);
    });
  }

  /**
   * An app's rules, campaign windows and postback targets, read at most every CACHE_TTL_MS: a burst of
   * installs reads them once. A settings change reaches decisions within that time.
   */
  private readonly appCache = new LRUCache<string, { at: number; app: Promise<AppContext | undefined> }>({ max: 10_000 });

  private appContext(appId: string): Promise<AppContext | undefined> {
    const hit = this.appCache.get(appId);
    if (hit && Date.now() - hit.at < this.config.cacheTtlMs) return hit.app;
    const app = Promise.all([this.inputs.settings(appId), this.inputs.postbackTargets(appId)]).then(([settings, targets]) =>
      settings ? { settings, targets } : undefined,
    );
    const entry = { at: Date.now(), app };
    this.appCache.set(appId, entry);
    // A failed read is not kept (unless a newer read replaced it meanwhile).
    app.catch(() => this.appCache.get(appId) === entry && this.appCache.delete(appId));
    return app;
  }

  /** Decides one install, together with whatever other installs are being asked for at the same time. */
  attribute(installId: string, appId?: string): Promise<AttributeOutcome> {
    return this.batcher.write({ id: installId, appId });
  }

  /** One outcome per install, in order; an install named twice in a batch is decided once. */
  async attributeBatch(keys: readonly (InstallKey | string)[]): Promise<AttributeOutcome[]> {
    const asked = keys.map((k) => (typeof k === 'string' ? { id: k } : k));
    const rows = await this.inputs.installs([...new Map(asked.map((k) => [k.id, k])).values()]);
    const outcomes = new Map<string, AttributeOutcome>();
    const pending: { install: InstallFactsRow; app: AppContext }[] = [];
    const decidedBefore: InstallFactsRow[] = [];
    const apps = new Map(await Promise.all([...new Set(rows.map((r) => r.app_id))].map(async (a) => [a, await this.appContext(a)] as const)));
    for (const install of rows) {
      const app = apps.get(install.app_id);
      if (install.status !== 'pending') decidedBefore.push(install);
      else if (app) pending.push({ install, app });
    }

    // Installed order: within a batch, the earlier install of a device is the later one's prior install.
    pending.sort((a, b) => a.install.installed_at.getTime() - b.install.installed_at.getTime() || (a.install.id < b.install.id ? -1 : 1));
    const all = await this.inputs.load(pending.map((p) => ({ install: p.install, settings: p.app.settings })));
    // An install whose named click is probably still spooled waits (its job retries) rather than turn organic.
    const now = Date.now();
    const loaded = all.flatMap((l, i) => {
      if (!awaitsNamedClick(l.input, l.install.received_at, now)) return [{ ...l, app: pending[i].app }];
      outcomes.set(l.install.id, 'waiting');
      return [];
    });
    // In installed order, so one fingerprint click credits one install also inside this batch.
    const decisions = decideInOrder(loaded.map((l) => l.input));
    const writes: DecisionWrite[] = loaded.map(({ install, networkClickIds, app }, i) => {
      const decision = decisions[i];
      const target = decision.status === 'attributed' && decision.campaignId ? app.targets.get(decision.campaignId) : undefined;
      const postback = owedInstallPostback(install, decision, target, networkClickIds);
      return { install, decision, expectedStatus: 'pending', postback };
    });
    const written = await writeDecisions(this.db, writes);

    const byInstall = new Map(writes.map((w) => [w.install.id, w]));
    const deliveries: { deliveryId: string; appId: string }[] = [];
    const linkable: InstallFactsRow[] = [...decidedBefore];
    for (const w of written) {
      const { decision, install } = byInstall.get(w.installId)!;
      outcomes.set(install.id, decision.status);
      metrics.decisions.inc({ status: decision.status, match_type: decision.matchType ?? 'none' });
      metrics.decisionLatencySeconds.observe((Date.now() - install.received_at.getTime()) / 1000);
      if (w.deliveryId) deliveries.push({ deliveryId: w.deliveryId, appId: install.app_id });
      linkable.push(install);
    }
    // Installs another worker decided first are 'skipped': its decision and outbox row stand.

    if (deliveries.length > 0) {
      const queued = await enqueueDeliveries(this.deliveryQueue, this.config, deliveries);
      if (!queued) metrics.enqueueFailures.inc({ queue: DELIVERY_QUEUE }, deliveries.length);
    }
    // Events that arrived before their install's decision inherit it now; any later event sees the install decided
    // and links itself. One look for the whole batch spares most installs the linking transaction. An install
    // decided earlier (a rerun after a crash before linking) is looked at too: linking again is harmless.
    const waiting = await installsWithWaitingEvents(
      this.db,
      linkable.map((i) => ({ appId: i.app_id, installId: i.install_id })),
    );
    for (const install of linkable) {
      if (waiting.has(waitingKey(install.app_id, install.install_id))) await this.events.link(install.app_id, install.install_id);
    }
    return asked.map((k) => outcomes.get(k.id) ?? 'skipped');
  }
}
