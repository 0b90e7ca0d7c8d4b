import { Injectable } from '@nestjs/common';
import { canonicalHash, isUuid, normalizeUserAgent, parsePixelHit, toUsd, uuidv7, type PixelQuery } from '@app/domain';
import { metrics } from '@app/http';
import { CatalogService } from '../catalog/catalog.service';
import { EventWriter } from '../events/event-writer.service';
import { PixelHits } from './pixel-hits.service';

export interface PixelContext {
  ip: string | undefined;
  userAgent: string | undefined;
  referer: string | undefined;
}

/** What Lookback made of a hit; sent back in `X-Lookback-Debug` when the hit asks with `debug=1`. */
export interface PixelOutcome {
  outcome: 'accepted' | 'duplicate' | 'rejected' | 'test';
  /** A `test=1` hit: checked like any other, counted apart, never stored. */
  test?: true;
  reason?: string;
  message?: string;
  id?: string;
  event?: Record<string, unknown>;
}

/**
 * A web event from the tracking pixel. The caller always answers with the GIF, whatever happens here: a broken
 * image on an advertiser's page is worse than a lost hit. Bad hits are counted per reason, never stored.
 */
@Injectable()
export class PixelService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly writer: EventWriter,
    private readonly hits: PixelHits
  ) {}

  async hit(file: string, query: PixelQuery, ctx: PixelContext): Promise<PixelOutcome> {
    const appId = /^(.+)\.gif$/i.exec(file)?.[1]?.toLowerCase();
    const app = appId && isUuid(appId) ? await this.catalog.app(appId) : undefined;
    if (!appId || !app) {
      // Not kept per app: an unknown id is not an app, and junk ids must not grow a table.
      metrics.pixelHits.inc({ outcome: 'rejected', reason: 'unknown_app' });
      return { outcome: 'rejected', reason: 'unknown_app', message: 'no app with that id' };
    }
    const parsed = parsePixelHit(query, app.pixelEvents, ctx.referer);
    if (!parsed.ok) {
      this.hits.count(app.id, parsed.name, parsed.test ? 'test' : 'rejected', parsed.reason);
      return { outcome: 'rejected', reason: parsed.reason, message: parsed.message, ...(parsed.test ? { test: true as const } : {}) };
    }
    const e = parsed.event;
    const usdPerUnit = e.revenue ? await this.catalog.usdPerUnit(e.revenue.currency) : undefined;
    const now = Date.now();
    const id = uuidv7(now);
    // Without attribution consent the visitor's address and device are not kept, so nothing can match on them.
    const keepDevice = e.consentAttribution !== false;
    const userAgent = ctx.userAgent?.replace(/\u0000/g, '').slice(0, 1024);
    const understood = {
      name: e.name,
      userId: e.userId,
      eventId: e.eventId,
      clickId: e.clickId,
      revenue: e.revenue?.revenue ?? null,
      currency: e.revenue?.currency ?? null,
      revenueUsd: e.revenue && usdPerUnit ? toUsd(e.revenue.revenue, usdPerUnit) : null,
      pageUrl: e.pageUrl,
      referrer: e.referrer,
      consentAttribution: e.consentAttribution,
    };
    if (e.test) {
      this.hits.count(app.id, e.name, 'test');
      return { outcome: 'test', test: true, message: 'test hit: it would be accepted; it is not stored nor counted in reports', event: understood };
    }
    try {
      const written = await this.writer.write({
        id,
        appId: app.id,
        // A pixel's eid dedupes page reloads; its keys live apart from SDK eventIds. Without eid: no ledger row.
        eventKey: e.eventId ? `pixel:${e.eventId}` : null,
        // Only the ledger compares bodies: a hit without eid has none, so no hash to compute per hit.
        bodyHash: e.eventId ? canonicalHash(understood) : '',
        source: 'pixel',
        eventId: e.eventId,
        installId: null,
        name: e.name,
        occurredAt: new Date(now),
        receivedAt: new Date(now),
        revenue: understood.revenue,
        currency: understood.currency,
        revenueUsd: understood.revenueUsd,
        properties: null,
        consentAttribution: e.consentAttribution,
        consentRetargeting: null,
        ip: keepDevice ? (ctx.ip ?? null) : null,
        uaKey: keepDevice ? (normalizeUserAgent(userAgent) ?? null) : null,
        userId: e.userId,
        pageUrl: e.pageUrl,
        referrer: e.referrer,
        clickId: e.clickId,
      });
      if (!written.created) {
        this.hits.count(app.id, e.name, 'rejected', 'duplicate');
        return { outcome: 'duplicate', reason: 'duplicate', id: written.id, event: understood };
      }
      this.hits.count(app.id, e.name, 'accepted');
      metrics.events.inc({ source: 'pixel' });
      return { outcome: 'accepted', id, event: understood };
    } catch {
      this.hits.count(app.id, e.name, 'rejected', 'storage_unavailable');
      return { outcome: 'rejected', reason: 'storage_unavailable', event: understood };
    }
  }
}
