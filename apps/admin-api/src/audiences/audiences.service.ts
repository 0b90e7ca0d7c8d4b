import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AudiencesRepository, type AudienceRow, type ExitHook, type MemberRow } from '@app/database';
import {
  DAY_MS,
  canSee,
  checkAudienceRule,
  ensureVisible,
  evaluateMembership,
  invalid,
  newWebhookSecret,
  notFound,
  ruleEventNames,
  ruleLookbackDays,
  uuidv7,
  type AppScope,
  type AudienceRule,
  type DeviceIds,
} from '@app/domain';
import { metrics } from '@app/http';
import { DELIVERY_QUEUE, enqueueDeliveries } from '@app/queues';
import { AppsService } from '../apps/apps.service';
import { refusePrivateAddresses } from '../common/outbound-url';
import type { AudienceListQuery, CreateAudienceDto, MembersQuery, PreviewAudienceDto, UpdateAudienceDto } from './audience.dto';

/** How long a rotated-out secret keeps signing beside the new one. */
const ROTATION_OVERLAP_MS = DAY_MS;
const PREVIEW_SAMPLE = 20;
const PREVIEW_PAGE = 1000;

const cursorOf = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

@Injectable()
export class AudiencesService {
  constructor(
    private readonly audiences: AudiencesRepository,
    private readonly apps: AppsService,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  private async view(a: AudienceRow) {
    return (await this.views([a]))[0];
  }

  /** The answers for a page of audiences, their counts read in one statement. */
  private async views(list: readonly AudienceRow[]) {
    const counts = await this.audiences.counts(list);
    return list.map((a) => {
      const { members, backfillLeft } = counts.get(a.id) ?? { members: 0, backfillLeft: 0 };
      const queued = Math.max(a.backfillQueued, backfillLeft);
      return {
        id: a.id,
        appId: a.appId,
        name: a.name,
        rule: a.rule,
        webhookUrl: a.webhookUrl,
        size: members,
        backfill: { status: backfillLeft > 0 ? 'running' : 'done', queued, done: queued - backfillLeft, startedAt: a.backfillStartedAt },
        previousSecretValidUntil: a.previousSecret && a.previousSecretUntil && a.previousSecretUntil > new Date() ? a.previousSecretUntil : null,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
      };
    });
  }

  private rule(value: unknown): AudienceRule {
    const checked = checkAudienceRule(value, 'rule');
    if (!checked.ok) throw invalid(checked.code, checked.message, checked.field);
    return checked.rule;
  }

  async create(dto: CreateAudienceDto, scope: AppScope) {
    const app = await this.apps.find(dto.appId, scope, 'appId');
    const rule = this.rule(dto.rule);
    refusePrivateAddresses(this.config.outboundAllowPrivate, { webhookUrl: dto.webhookUrl });
    const secret = newWebhookSecret();
    const row = await this.audiences.create({ id: uuidv7(), appId: app.id, name: dto.name, rule, webhookUrl: dto.webhookUrl, webhookSecret: secret });
    return { ...(await this.view(row)), webhookSecret: secret };
  }

  async list(query: AudienceListQuery, scope: AppScope) {
    if (query.appId) ensureVisible(scope, query.appId, 'app', 'appId');
    const limit = query.limit ?? 100;
    const rows = await this.audiences.list(scope, { appId: query.appId, cursor: query.cursor, limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items: await this.views(items), nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async get(id: string, scope: AppScope) {
    return this.view(await this.find(id, scope));
  }

  async update(id: string, dto: UpdateAudienceDto, scope: AppScope) {
    await this.find(id, scope);
    const rule = dto.rule === undefined ? undefined : this.rule(dto.rule);
    refusePrivateAddresses(this.config.outboundAllowPrivate, { webhookUrl: dto.webhookUrl });
    return this.view(await this.audiences.update(id, { name: dto.name, rule, webhookUrl: dto.webhookUrl }));
  }

  async remove(id: string, scope: AppScope): Promise<void> {
    const a = await this.find(id, scope);
    await this.audiences.remove(a.appId, a.id);
  }

  async rotateSecret(id: string, scope: AppScope) {
    await this.find(id, scope);
    const secret = newWebhookSecret();
    const row = await this.audiences.rotateSecret(id, secret, new Date(Date.now() + ROTATION_OVERLAP_MS));
    if (!row) throw notFound('audience');
    return { ...(await this.view(row)), webhookSecret: secret };
  }

  async members(id: string, query: MembersQuery, scope: AppScope) {
    const a = await this.find(id, scope);
    const limit = query.limit ?? 100;
    let after: string | null = null;
    if (query.cursor !== undefined) {
      after = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!/^[ui]:/.test(after) || cursorOf(after) !== query.cursor) throw invalid('invalid_cursor', 'cursor must be a nextCursor this API gave.', 'cursor');
    }
    const rows = await this.audiences.members(a.appId, a.id, after, limit + 1);
    const items = rows.slice(0, limit);
    return { items: items.map(memberView), nextCursor: rows.length > limit ? cursorOf(items[items.length - 1].memberKey) : null };
  }

  /** The size the rule would have now, over every person of the app, page by page; nothing is stored. */
  async preview(dto: PreviewAudienceDto, scope: AppScope) {
    const app = await this.apps.find(dto.appId, scope, 'appId');
    const rule = this.rule(dto.rule);
    const now = Date.now();
    const lookback = ruleLookbackDays(rule);
    const wanted = { eventNames: [...ruleEventNames(rule)], since: Number.isFinite(lookback) ? new Date(now - lookback * DAY_MS) : null };
    let size = 0;
    const sample: { device: DeviceIds; customerUserId: string | null }[] = [];
    for (let after: string | null = null; ; ) {
      const keys = await this.audiences.people(app.id, after, PREVIEW_PAGE);
      if (keys.length === 0) break;
      const facts = await this.audiences.facts(keys.map((memberKey) => ({ appId: app.id, memberKey })), wanted);
      for (const person of facts.values()) {
        if (!evaluateMembership(rule, person, now).member) continue;
        size++;
        if (sample.length < PREVIEW_SAMPLE) sample.push({ device: person.identity.device, customerUserId: person.identity.customerUserId ?? null });
      }
      if (keys.length < PREVIEW_PAGE) break;
      after = keys[keys.length - 1];
    }
    return { size, sample };
  }

  /**
   * Erasure's hook: the person leaves every audience inside the erasure's transaction, each exit owed to the
   * partner as a webhook (also in that transaction). `afterCommit` hands those webhooks to the queue.
   */
  exitHook(): { hook: ExitHook; afterCommit: () => Promise<void> } {
    const owed: { id: string; appId: string }[] = [];
    const hook: ExitHook = async (tx: EntityManager, appId, person) => {
      const keys = await this.audiences.peopleNamed(tx, appId, person);
      const leaving = await this.audiences.membershipsToEnd(tx, appId, keys);
      const exited = await this.audiences.exit(tx, leaving);
      const audiences = await this.audiences.audiencesOf(tx, [appId]);
      owed.push(...(await this.audiences.writeChangeWebhooks(tx, audiences, [], exited, new Date())));
      return exited.length;
    };
    const afterCommit = async () => {
      if (owed.length === 0) return;
      const queued = await enqueueDeliveries(this.deliveries, this.config, owed.map((w) => ({ deliveryId: w.id, appId: w.appId })));
      if (!queued) metrics.enqueueFailures.inc({ queue: DELIVERY_QUEUE }, owed.length);
    };
    return { hook, afterCommit };
  }

  /** An audience of an app outside the scope is answered as missing. */
  private async find(id: string, scope: AppScope): Promise<AudienceRow> {
    const a = await this.audiences.find(id);
    if (!a || !canSee(scope, a.appId)) throw notFound('audience');
    return a;
  }
}

function memberView(m: MemberRow) {
  return { device: m.device, customerUserId: m.customerUserId, enteredAt: m.enteredAt };
}
