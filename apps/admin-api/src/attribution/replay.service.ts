import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AttributionInputsRepository, networkClickId, owePostback, writeDecision, type InstallFactsRow } from '@app/database';
import { decideAttribution, invalid, isUuid, notFound, type Decision, type DecisionOverrides } from '@app/domain';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { WindowOverridesDto, type ReplayDto } from './replay.dto';

interface Place {
  status: string;
  campaignId: string | null;
}

interface Move {
  from: Place;
  to: Place;
  count: number;
  examples: { installId: string; fromMatchType: string | null; toMatchType: string | null; summary: string }[];
}

const EXAMPLES = 5;
const PARALLEL = 8;
const MAX_RANGE_DAYS = 93;

/**
 * "What if our lookback were 3 days?" — re-decides an app's installs in a time range with the current or
 * overridden settings, through the same loader and decision function as the worker. A dry run by default.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly db: DataSource,
    private readonly inputs: AttributionInputsRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async replay(dto: ReplayDto) {
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (!(from < to)) throw invalid('invalid_range', '`from` must be before `to`.', 'to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
      throw invalid('invalid_range', `Replay at most ${MAX_RANGE_DAYS} days at a time.`, 'to');
    }
    for (const [id, windows] of Object.entries(dto.overrides?.campaigns ?? {})) {
      const field = `overrides.campaigns.${id}`;
      if (!isUuid(id)) throw invalid('invalid_field', 'Campaign overrides are keyed by campaign id.', field);
      // A plain record is not walked by the validation pipe: check each entry as the DTO it is.
      const errors =
        windows !== null && typeof windows === 'object'
          ? validateSync(plainToInstance(WindowOverridesDto, windows), { whitelist: true, forbidNonWhitelisted: true })
          : [];
      if (windows === null || typeof windows !== 'object' || errors.length > 0) {
        const first = errors[0];
        throw invalid(
          'invalid_field',
          first?.constraints ? Object.values(first.constraints)[0] : 'Each campaign override must be an object of windows.',
          first ? `${field}.${first.property}` : field,
        );
      }
    }
    const settings = await this.inputs.settings(dto.appId);
    if (!settings) throw notFound('app', 'appId');
    const limit = dto.limit ?? 10_000;
    const installs = await this.inputs.decidedInstalls(dto.appId, from, to, limit + 1);
    const truncated = installs.length > limit;
    if (truncated) installs.pop();

    const overrides = dto.overrides as DecisionOverrides | undefined;
    const moves = new Map<string, Move>();
    let unchanged = 0;
    let rematched = 0;
    let applied = 0;
    const postbacks = { owed: 0, sent: 0, alreadySentElsewhere: 0 };
    const sentBefore = await this.postedBack(dto.appId, installs.map((i) => i.id));

    for (let i = 0; i < installs.length; i += PARALLEL) {
      const chunk = installs.slice(i, i + PARALLEL);
      const decisions = await Promise.all(
        chunk.map(async (install) => decideAttribution((await this.inputs.load(install, settings, overrides)).input)),
      );
      for (const [k, install] of chunk.entries()) {
        const decision = decisions[k];
        const was: Place = { status: install.status, campaignId: install.campaign_id };
        const now: Place = { status: decision.status, campaignId: decision.campaignId };
        const moved = was.status !== now.status || was.campaignId !== now.campaignId;
        if (!moved && decision.touchId === install.touch_id && decision.matchType === install.match_type) {
          unchanged++;
          continue;
        }
        if (moved) this.recordMove(moves, was, now, install, decision);
        else rematched++;
        if (moved && decision.status === 'attributed') {
          if (sentBefore.has(install.id)) postbacks.alreadySentElsewhere++;
          else postbacks.owed++;
        }
        if (dto.apply) {
          const sent = await this.apply(install, decision, dto.sendOwedPostbacks === true && !sentBefore.has(install.id));
          if (sent !== false) applied++;
          if (sent) postbacks.sent++;
        }
      }
    }

    const moveList = [...moves.values()].sort((a, b) => b.count - a.count);
    return {
      appId: dto.appId,
      from: from.toISOString(),
      to: to.toISOString(),
      dryRun: !dto.apply,
      overrides: dto.overrides ?? null,
      installs: installs.length,
      truncated,
      unchanged,
      moved: moveList.reduce((n, m) => n + m.count, 0),
      rematched,
      applied,
      moves: moveList,
      postbacks,
    };
  }

  private recordMove(moves: Map<string, Move>, was: Place, now: Place, install: InstallFactsRow, decision: Decision) {
    const key = `${was.status}:${was.campaignId}>${now.status}:${now.campaignId}`;
    let move = moves.get(key);
    if (!move) moves.set(key, (move = { from: was, to: now, count: 0, examples: [] }));
    move.count++;
    if (move.examples.length < EXAMPLES) {
      move.examples.push({
        installId: install.id,
        fromMatchType: install.match_type,
        toMatchType: decision.matchType,
        summary: decision.explanation.summary,
      });
    }
  }

  /** Install ids that already had an install postback delivered (or queued): those are never sent again. */
  private async postedBack(appId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { subject_id: string }[] = await this.db.query(
      `SELECT subject_id FROM deliveries WHERE app_id = $1 AND kind = 'postback' AND subject_id = ANY($2::uuid[])`,
      [appId, ids],
    );
    return new Set(rows.map((r) => r.subject_id));
  }

  /** Rewrites one decision; false if the install changed meanwhile, true if a postback was queued. */
  private async apply(install: InstallFactsRow, decision: Decision, sendPostback: boolean): Promise<boolean | undefined> {
    const deliveryId = await this.db.transaction(async (tx) => {
      if (!(await writeDecision(tx, install, decision, install.status))) return false;
      // Linked events carry their install's attribution for reports: they move with it (no event postback is resent).
      const attributed = decision.status === 'attributed';
      await tx.query(
        `UPDATE events SET campaign_id = $3, match_type = $4 WHERE app_id = $1 AND install_ref = $2 AND status = 'linked'`,
        [install.app_id, install.id, attributed ? decision.campaignId : null, attributed ? decision.matchType : null],
      );
      if (!sendPostback || decision.status !== 'attributed') return undefined;
      const clickId =
        decision.touchKind === 'click' && decision.touchId ? await networkClickId(tx, install.app_id, decision.touchId) : null;
      return owePostback(tx, install, decision, clickId);
    });
    if (deliveryId === false) return false;
    if (!deliveryId) return undefined;
    await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId, appId: install.app_id }, deliveryId, deliveryJobOptions(this.config));
    return true;
  }
}
