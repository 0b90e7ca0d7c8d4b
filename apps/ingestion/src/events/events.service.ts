import { Injectable } from '@nestjs/common';
import {
  LookbackError,
  canonicalHash,
  checkRevenue,
  invalid,
  toUsd,
  uuidv7,
  type Revenue,
} from '@app/domain';
import { isDependencyDown, metrics } from '@app/http';
import { checkItem } from '../validation/body-schema';
import { CatalogService } from '../catalog/catalog.service';
import { EVENT_ITEM_SCHEMA, type EventBatchInput, type EventDto, type EventItemDto, type EventItemInput } from './event.dto';
import { EventWriter, type EventRow, type Written } from './event-writer.service';

/** An event may be reported late (offline devices) but not from the future beyond clock skew. */
const MAX_FUTURE_MS = 10 * 60_000;

export interface EventAnswer {
  id: string;
  created: boolean;
  debug?: Record<string, unknown>;
}

export interface BatchItemResult {
  index: number;
  status: 200 | 202 | 400 | 409 | 503;
  id?: string;
  error?: { code: string; message: string; field?: string };
}

interface Prepared {
  row: EventRow;
  usdPerUnit: string | undefined;
}

@Injectable()
export class EventsService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly writer: EventWriter
  ) {}

  /** Commits the event (or finds the one already sent with this eventId), then asks the worker to link it. */
  async accept(dto: EventDto, body: unknown, debug: boolean, clientIp?: string): Promise<EventAnswer> {
    const prepared = await this.prepare(dto, dto.appId.toLowerCase(), body, clientIp);
    return this.commit(prepared, debug);
  }

  /** Each item answered on its own: a bad or conflicting item does not fail its neighbours. */
  async acceptBatch(dto: EventBatchInput, signedAppId: string, clientIp?: string): Promise<{ results: BatchItemResult[] }> {
    const appId = signedAppId.toLowerCase();
    const results = await Promise.all(
      dto.events.map(async (item, index): Promise<BatchItemResult> => {
        try {
          const checked = checkItem<EventItemInput>(EVENT_ITEM_SCHEMA, item);
          if (!checked.ok) throw checked.error;
          if (checked.value.appId !== undefined && checked.value.appId.toLowerCase() !== appId) {
            throw invalid('app_mismatch', 'Every event in a batch must belong to the app that signed it.', 'appId');
          }
          const answer = await this.commit(await this.prepare(checked.value, appId, { ...(item as object), appId }, clientIp), false);
          return { index, status: answer.created ? 202 : 200, id: answer.id };
        } catch (err) {
          if (err instanceof LookbackError && (err.kind === 'invalid' || err.kind === 'conflict')) {
            const error = { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
            return { index, status: err.kind === 'invalid' ? 400 : 409, error };
          }
          if (!isDependencyDown(err)) throw err;
          // Storage trouble: this item was not stored; the client retries it (the others' answers stand).
          return { index, status: 503, error: { code: 'unavailable', message: 'Storage is unavailable; this event was not stored. Retry it.' } };
        }
      }),
    );
    return { results };
  }

  private async prepare(dto: EventItemDto, appId: string, body: unknown, clientIp?: string): Promise<Prepared> {
    const occurredAt = new Date(dto.occurredAt);
    if (occurredAt.getTime() > Date.now() + MAX_FUTURE_MS) {
      throw invalid('occurred_at_in_future', 'occurredAt is in the future.', 'occurredAt');
    }
    const checked = checkRevenue({ name: dto.name, revenue: dto.revenue, currency: dto.currency });
    if (!checked.ok) throw invalid(checked.code, checked.message, checked.field);
    const revenue: Revenue | undefined = checked.value;
    const usdPerUnit = revenue ? await this.catalog.usdPerUnit(revenue.currency) : undefined;
    const now = Date.now();
    const id = uuidv7(now);
    return {
      usdPerUnit,
      row: {
        id,
        appId,
        eventKey: dto.eventId,
        // The body as the client means it: key order and whitespace do not make a retry a different event.
        bodyHash: canonicalHash({ ...(body as object), appId }),
        source: 'sdk',
        eventId: dto.eventId,
        installId: dto.installId,
        name: dto.name,
        occurredAt,
        receivedAt: new Date(now),
        revenue: revenue?.revenue ?? null,
        currency: revenue?.currency ?? dto.currency ?? null,
        revenueUsd: revenue && usdPerUnit ? toUsd(revenue.revenue, usdPerUnit) : null,
        properties: dto.properties ? JSON.stringify(dto.properties) : null,
        consentAttribution: dto.consent?.attribution ?? null,
        consentRetargeting: dto.consent?.retargeting ?? null,
        // An SDK event comes from the advertiser's server as often as from the device: its address says nothing
        // about the device, so it is not kept for matching.
        ip: null,
        // The country is still the request's, at ingest time (for S2S calls, the server's); the address is dropped.
        countryIp: clientIp ?? null,
        uaKey: null,
        // The pixel's uid and the SDK's customerUserId are the same id of the app's user, kept in one column.
        userId: dto.customerUserId ?? null,
        pageUrl: null,
        referrer: null,
        clickId: null,
      },
    };
  }

  private async commit({ row, usdPerUnit }: Prepared, debug: boolean): Promise<EventAnswer> {
    const written: Written = await this.writer.write(row);
    if (!written.sameBody) {
      throw new LookbackError(
        'conflict',
        'event_conflict',
        `eventId "${row.eventKey}" was already sent with a different body (event ${written.id}); send a new eventId for a new event.`,
        'eventId',
      );
    }
    if (written.created) {
      metrics.events.inc({ source: 'sdk' });
    }
    if (!debug) return { id: written.id, created: written.created };
    return {
      id: written.id,
      created: written.created,
      debug: {
        duplicate: !written.created,
        understood: {
          appId: row.appId,
          eventId: row.eventId,
          installId: row.installId,
          name: row.name,
          occurredAt: row.occurredAt.toISOString(),
          revenue: row.revenue,
          currency: row.currency,
          usdPerUnit: usdPerUnit ?? null,
          revenueUsd: row.revenueUsd,
          propertyKeys: row.properties ? Object.keys(JSON.parse(row.properties) as object) : [],
          consent: { attribution: row.consentAttribution, retargeting: row.consentRetargeting },
          isRefund: row.name === 'refund',
        },
      },
    };
  }
}
