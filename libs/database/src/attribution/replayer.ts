import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  decideInOrder,
  newReplayTally,
  replaySummary,
  tallyReplay,
  type DecisionOverrides,
  type DecisionSettings,
} from '@app/domain';
import { installsPostedBack } from '../deliveries/outbox';
import { AttributionInputsRepository } from './attribution-inputs.repository';
import { owedInstallPostback, writeDecisions, type DecisionWrite } from './decision-writer';

export interface ReplayParams {
  appId: string;
  from: Date;
  to: Date;
  overrides?: DecisionOverrides;
  /** Most installs re-decided; the rest of the range is reported as `truncated`. */
  limit: number;
  apply: boolean;
  /** With apply: also owe the install postbacks newly earned (never a second one for an install). */
  sendOwedPostbacks: boolean;
}

export type ReplayReport = ReturnType<typeof replaySummary> & { truncated: boolean };

/** Installs re-decided per round: one batch through the loader, one statement for the rewrites. */
export const REPLAY_PAGE = 500;

/**
 * Replay on the live attribution path: pages of an app's decided installs go through the same batch loader and
 * decision function as the worker, and with `apply` the changed decisions are rewritten by the same batch writer
 * (guarded by the status each install had when read, so a concurrent change is never overwritten).
 */
@Injectable()
export class AttributionReplayer {
  constructor(
    private readonly db: DataSource,
    private readonly inputs: AttributionInputsRepository,
  ) {}

  async run(
    p: ReplayParams,
    settings: DecisionSettings,
    /** After each page: how many installs were re-decided so far, and the outbox rows the page made. */
    onPage: (progress: { processed: number; deliveryIds: string[] }) => Promise<void> = async () => {},
  ): Promise<ReplayReport> {
    const tally = newReplayTally();
    const targets: Awaited<ReturnType<AttributionInputsRepository['postbackTargets']>> =
      p.apply && p.sendOwedPostbacks ? await this.inputs.postbackTargets(p.appId) : new Map();
    let after: { installedAt: Date; id: string } | undefined;
    let truncated = false;
    while (tally.installs < p.limit) {
      const want = Math.min(REPLAY_PAGE, p.limit - tally.installs);
      const page = await this.inputs.decidedInstalls(p.appId, p.from, p.to, want + 1, after);
      if (page.length > want) {
        page.pop();
        // More installs remain: a truncation only if the limit, not the page size, stopped us.
        truncated = tally.installs + page.length >= p.limit;
      }
      if (page.length === 0) break;
      after = { installedAt: page[page.length - 1].installed_at, id: page[page.length - 1].id };
      const [loaded, postedBack] = await Promise.all([
        this.inputs.load(page.map((install) => ({ install, settings })), p.overrides),
        installsPostedBack(this.db, p.appId, page.map((i) => i.id)),
      ]);
      const writes: DecisionWrite[] = [];
      const decisions = decideInOrder(loaded.map((l) => l.input));
      for (const [i, { install, networkClickIds }] of loaded.entries()) {
        const decision = decisions[i];
        const was = { id: install.id, status: install.status, campaignId: install.campaign_id, touchId: install.touch_id, matchType: install.match_type };
        const verdict = tallyReplay(tally, was, decision, postedBack.has(install.id));
        if (!p.apply || verdict === 'unchanged') continue;
        const target = decision.status === 'attributed' && decision.campaignId && !postedBack.has(install.id) ? targets.get(decision.campaignId) : undefined;
        writes.push({
          install,
          decision,
          expectedStatus: install.status,
          moveEvents: true,
          postback: owedInstallPostback(install, decision, target, networkClickIds),
        });
      }
      const written = await writeDecisions(this.db, writes);
      tally.applied += written.length;
      const deliveryIds = written.flatMap((w) => (w.deliveryId ? [w.deliveryId] : []));
      tally.postbacks.sent += deliveryIds.length;
      await onPage({ processed: tally.installs, deliveryIds });
      if (page.length < want) break;
    }
    return { ...replaySummary(tally), truncated };
  }
}
