import { Injectable, Logger } from '@nestjs/common';
import {
  LookbackError,
  describeUrlTemplateProblem,
  expandMacros,
  normalizeDeviceId,
  normalizeUserAgent,
  notFound,
  uuidv7,
} from '@app/domain';
import { metrics } from '@app/http';
import { CatalogService, type CampaignView } from '../catalog/catalog.service';
import { TouchSpool } from './touch-spool.service';
import { TouchWriter, type TouchRow } from './touch-writer.service';

export type TrackingQuery = Record<string, unknown>;

export interface ClickContext {
  ip: string | undefined;
  userAgent: string | undefined;
}

const MAX_PARAM = 512;
/** Longest a redirect waits for its click's commit before spooling it instead. */
const COMMIT_DEADLINE_MS = 500;

/** The first string value of a query parameter, trimmed and clipped; ad networks send all sorts. */
function param(query: TrackingQuery, name: string): string | null {
  let v = query[name];
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string') return null;
  // NUL cannot be stored in PostgreSQL text; it never carries meaning in a tracking parameter.
  const t = v.replace(/\u0000/g, '').trim();
  return t === '' ? null : t.slice(0, MAX_PARAM);
}

@Injectable()
export class TrackingService {
  private readonly logger = new Logger('tracking');

  constructor(
    private readonly catalog: CatalogService,
    private readonly writer: TouchWriter,
    private readonly spool: TouchSpool,
  ) {}

  /** Records the click (unless the campaign is paused) and returns where to send the user. */
  async click(campaignId: string, query: TrackingQuery, ctx: ClickContext): Promise<string> {
    const campaign = await this.catalog.campaign(campaignId);
    if (!campaign || campaign.status === 'archived') throw notFound('campaign', 'campaignId');
    const now = Date.now();
    const id = uuidv7(now);
    const networkClickId = param(query, 'click_id');
    const expanded = expandMacros(campaign.destinationUrl, {
      lookback_click_id: id,
      click_id: networkClickId,
      campaign_id: campaign.id,
    });
    if (!expanded.ok) {
      // Saved before destinations were checked: redirecting would let the click choose the host (an open
      // redirect). No redirect, so no click either; the answer says what to fix.
      throw new LookbackError(
        'conflict',
        'destination_unsafe',
        `${describeUrlTemplateProblem('This campaign\'s destinationUrl', expanded.problem)} Fix it with PATCH /v1/campaigns/${campaign.id}.`,
        'destinationUrl',
      );
    }
    const location = expanded.url;
    if (campaign.status === 'active') await this.record(this.touchRow('click', id, now, campaign, query, ctx));
    return location;
  }

  /**
   * Records an impression of an active campaign. Unknown, paused and archived campaigns record nothing but
   * still get their image: a tracking pixel must never show as broken inside an ad.
   */
  async impression(campaignId: string, query: TrackingQuery, ctx: ClickContext): Promise<boolean> {
    const campaign = await this.catalog.campaign(campaignId).catch(() => undefined);
    if (!campaign || campaign.status !== 'active') return false;
    const now = Date.now();
    await this.record(this.touchRow('impression', uuidv7(now), now, campaign, query, ctx));
    return true;
  }

  private touchRow(
    kind: TouchRow['kind'],
    id: string,
    now: number,
    campaign: CampaignView,
    query: TrackingQuery,
    ctx: ClickContext,
  ): TouchRow {
    const subs = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5'].map((s) => param(query, s));
    const userAgent = ctx.userAgent ? ctx.userAgent.replace(/\u0000/g, '').slice(0, 1024) : null;
    return {
      kind,
      id,
      appId: campaign.appId,
      campaignId: campaign.id,
      ts: new Date(now),
      networkClickId: param(query, 'click_id'),
      gaid: normalizeDeviceId(param(query, 'gaid')) ?? null,
      idfa: normalizeDeviceId(param(query, 'idfa')) ?? null,
      ip: ctx.ip ?? null,
      userAgent,
      uaKey: normalizeUserAgent(userAgent) ?? null,
      siteId: param(query, 'site_id'),
      creative: param(query, 'creative'),
      subs: subs.some((s) => s !== null) ? JSON.stringify(subs) : null,
    };
  }

  /** Committed, or spooled to disk when PostgreSQL does not answer in time; the user is redirected either way. */
  private async record(row: TouchRow): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), COMMIT_DEADLINE_MS)));
    try {
      const outcome = await Promise.race([this.writer.write(row).then(() => 'ok' as const), deadline]);
      if (outcome === 'ok') {
        metrics.touches.inc({ kind: row.kind });
        return;
      }
    } catch {
      // fall through to the spool
    } finally {
      clearTimeout(timer);
    }
    try {
      await this.spool.append(row);
    } catch (err) {
      // Disk and database both failed: the redirect still happens; a lost redirect costs the install itself.
      this.logger.error(`click ${row.id} lost: ${(err as Error).message}`);
    }
  }
}
