import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AudiencesRepository, type AudienceRow, type MembershipChange, type PersonRef } from '@app/database';
import { DAY_MS, evaluateMembership, ruleEventNames, ruleLookbackDays } from '@app/domain';
import { Ticker, metrics } from '@app/http';
import { DELIVERY_QUEUE, enqueueDeliveries } from '@app/queues';

/** People evaluated per transaction: one set of queries for all of them. */
export const AUDIENCE_BATCH = 500;
/** Batches one tick may run before it lets the timer breathe (the rest waits for the next tick). */
const BATCHES_PER_TICK = 40;

export interface BatchResult {
  people: number;
  entered: number;
  exited: number;
  webhooks: number;
}

/**
 * Keeps audience membership current. Ingestion's triggers mark the people a committed batch touched; this drains
 * those marks a batch at a time: per batch one query per kind of fact, the pure rule evaluation in memory, then
 * one statement each for entries, exits, wake-ups and the webhooks' outbox rows — all in the transaction that
 * took the marks, so a crash redoes the batch and a change is written (and owed to the partner) exactly once.
 * The same loop takes due wake-ups (a purchase leaving its window), so time-based exits need no scan.
 */
@Injectable()
export class AudienceEvaluator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('audiences');
  private readonly ticker: Ticker;
  private stopping = false;

  constructor(
    private readonly audiences: AudiencesRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {
    this.ticker = new Ticker(config.audienceEveryMs, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.ticker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.ticker.stop();
  }

  private async tick(): Promise<void> {
    try {
      await this.audiences.wakeDue(new Date(), AUDIENCE_BATCH * 4);
      for (let i = 0; i < BATCHES_PER_TICK && !this.stopping; i++) {
        const r = await this.evaluateBatch(Date.now());
        if (r.people < AUDIENCE_BATCH) break;
      }
    } catch (err) {
      this.logger.warn(`audience evaluation skipped: ${(err as Error).message}`);
    }
  }

  /** Evaluates one batch of marked people at `now`; answers what changed. */
  async evaluateBatch(now: number, limit = AUDIENCE_BATCH): Promise<BatchResult> {
    const started = Date.now();
    const result = await this.audiences.inTransaction(async (tx) => {
      const dirty = await this.audiences.claimDirty(tx, limit);
      if (dirty.length === 0) return { people: 0, entered: 0, exited: 0, webhooks: [] as { id: string; appId: string }[] };
      const resolved = await this.audiences.resolvePeople(tx, dirty);
      // One entry per person, with the audiences asked for (null: all of the app's).
      const people = new Map<string, PersonRef & { only: Set<string> | null }>();
      for (const d of dirty) {
        const memberKey = resolved.get(`${d.appId}\u0000${d.memberKey}`) ?? d.memberKey;
        const k = `${d.appId}\u0000${memberKey}`;
        const p = people.get(k) ?? { appId: d.appId, memberKey, only: new Set<string>() };
        if (d.audienceId === null) p.only = null;
        else p.only?.add(d.audienceId);
        people.set(k, p);
      }
      const refs = [...people.values()];
      await this.audiences.lockPeople(tx, refs);
      const byApp = new Map<string, AudienceRow[]>();
      for (const a of await this.audiences.audiencesOf(tx, [...new Set(refs.map((p) => p.appId))])) {
        byApp.set(a.appId, [...(byApp.get(a.appId) ?? []), a]);
      }
      const all = [...byApp.values()].flat();
      const names = new Set<string>();
      let lookbackDays = 0;
      for (const a of all) {
        ruleEventNames(a.rule, names);
        lookbackDays = Math.max(lookbackDays, ruleLookbackDays(a.rule));
      }
      const since = Number.isFinite(lookbackDays) ? new Date(now - lookbackDays * DAY_MS) : null;
      const facts = await this.audiences.facts(refs, { eventNames: [...names], since }, tx);
      const current = await this.audiences.membershipsOf(tx, refs);

      const entering: MembershipChange[] = [];
      const leaving: { appId: string; audienceId: string; memberKey: string }[] = [];
      // One wake-up per person: the earliest instant any of their audiences may answer differently by itself.
      const wakeups: { appId: string; memberKey: string; dueAt: Date | null; complete: boolean }[] = [];
      for (const [k, p] of people) {
        const person = facts.get(k)!;
        const isIn = current.get(k) ?? new Set<string>();
        let due: number | null = null;
        for (const a of byApp.get(p.appId) ?? []) {
          if (p.only && !p.only.has(a.id)) continue;
          const ev = evaluateMembership(a.rule, person, now);
          if (ev.member && !isIn.has(a.id)) entering.push({ appId: p.appId, audienceId: a.id, memberKey: p.memberKey, identity: person.identity });
          if (!ev.member && isIn.has(a.id)) leaving.push({ appId: p.appId, audienceId: a.id, memberKey: p.memberKey });
          if (ev.nextChangeAt !== null && (due === null || ev.nextChangeAt < due)) due = ev.nextChangeAt;
        }
        wakeups.push({ appId: p.appId, memberKey: p.memberKey, dueAt: due === null ? null : new Date(due), complete: p.only === null });
      }
      const at = new Date(now);
      const entered = await this.audiences.enter(tx, entering, at);
      const exited = await this.audiences.exit(tx, leaving);
      await this.audiences.schedule(tx, wakeups);
      const webhooks = await this.audiences.writeChangeWebhooks(tx, all, entered, exited, at);
      return { people: people.size, entered: entered.length, exited: exited.length, webhooks };
    });
    if (result.people > 0) {
      metrics.audienceEvaluations.inc(result.people);
      metrics.audienceChanges.inc({ change: 'entered' }, result.entered);
      metrics.audienceChanges.inc({ change: 'exited' }, result.exited);
      metrics.audienceBatchSeconds.observe((Date.now() - started) / 1000);
    }
    await this.enqueue(result.webhooks);
    return { people: result.people, entered: result.entered, exited: result.exited, webhooks: result.webhooks.length };
  }

  /** The webhooks are committed; if Redis misses them the reconciler offers them again. */
  async enqueue(webhooks: { id: string; appId: string }[]): Promise<void> {
    if (webhooks.length === 0) return;
    const queued = await enqueueDeliveries(this.deliveries, this.config, webhooks.map((w) => ({ deliveryId: w.id, appId: w.appId })));
    if (!queued) metrics.enqueueFailures.inc({ queue: DELIVERY_QUEUE }, webhooks.length);
  }
}
