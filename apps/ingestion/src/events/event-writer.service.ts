import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { GroupCommitWriter, type EventSource } from '@app/database';
import { CountryLookup, metrics } from '@app/http';

export interface EventRow {
  id: string;
  appId: string;
  /** The idempotency key in the app's ledger (`eventId`, or `pixel:<eid>`; a pixel hit without eid uses its own id). */
  eventKey: string;
  bodyHash: string;
  source: EventSource;
  eventId: string | null;
  installId: string | null;
  name: string;
  occurredAt: Date;
  receivedAt: Date;
  revenue: string | null;
  currency: string | null;
  revenueUsd: string | null;
  properties: string | null;
  consentAttribution: boolean | null;
  consentRetargeting: boolean | null;
  ip: string | null;
  uaKey: string | null;
  userId: string | null;
  pageUrl: string | null;
  referrer: string | null;
  clickId: string | null;
  /** Placed in a country at ingest when `ip` is not kept (SDK events); defaults to `ip`. */
  countryIp?: string | null;
}

/** What the ledger says about a written row: new, or the id and body hash of the event first sent with that key. */
export interface Written {
  id: string;
  created: boolean;
  sameBody: boolean;
}

/**
 * Appends events through one group-commit writer, SDK events and pixel hits alike. One statement claims the
 * idempotency keys in the ledger and inserts only the events whose key was new, so an event is stored once
 * however often (or however concurrently) it is sent.
 */
@Injectable()
export class EventWriter implements OnApplicationShutdown {
  private readonly writer: GroupCommitWriter<EventRow, Written>;

  constructor(
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    private readonly countries: CountryLookup,
  ) {
    this.writer = new GroupCommitWriter((rows) => this.insert(rows), { maxRows: config.groupCommitMaxRows, maxInFlight: 3 }, ({ rows, ms }) => {
      metrics.batchRows.observe({ table: 'events' }, rows);
      metrics.batchSeconds.observe({ table: 'events' }, ms / 1000);
    });
  }

  write(row: EventRow): Promise<Written> {
    return this.writer.write(row);
  }

  private async insert(rows: EventRow[]): Promise<Written[]> {
    const col = <K extends keyof EventRow>(k: K) => rows.map((r) => r[k]);
    const inserted: { id: string }[] = await this.db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::timestamptz[], $10::timestamptz[], $11::numeric[], $12::text[],
                              $13::numeric[], $14::jsonb[], $15::boolean[], $16::boolean[], $17::inet[], $18::text[],
                              $19::text[], $20::text[], $21::text[], $22::uuid[], $23::text[])
           AS t(id, app_id, event_key, body_hash, source, event_id, install_id, name, occurred_at, received_at, revenue,
                currency, revenue_usd, properties, consent_attribution, consent_retargeting, ip, ua_key, user_id,
                page_url, referrer, click_id, country)
       ), claimed AS (
         INSERT INTO event_keys (app_id, event_key, event_ref, body_hash, received_at)
         SELECT app_id, event_key, id, body_hash, received_at FROM input
         ON CONFLICT (app_id, event_key) DO NOTHING
         RETURNING event_ref
       )
       INSERT INTO events (id, app_id, source, event_id, install_id, name, occurred_at, received_at, revenue, currency,
                           revenue_usd, properties, consent_attribution, consent_retargeting, ip, ua_key, user_id,
                           page_url, referrer, click_id, country)
       SELECT id, app_id, source, event_id, install_id, name, occurred_at, received_at, revenue, currency, revenue_usd,
              properties, consent_attribution, consent_retargeting, ip, ua_key, user_id, page_url, referrer, click_id,
              country
         FROM input WHERE id IN (SELECT event_ref FROM claimed)
       RETURNING id`,
      [
        col('id'),
        col('appId'),
        col('eventKey'),
        col('bodyHash'),
        col('source'),
        col('eventId'),
        col('installId'),
        col('name'),
        col('occurredAt'),
        col('receivedAt'),
        col('revenue'),
        col('currency'),
        col('revenueUsd'),
        col('properties'),
        col('consentAttribution'),
        col('consentRetargeting'),
        col('ip'),
        col('uaKey'),
        col('userId'),
        col('pageUrl'),
        col('referrer'),
        col('clickId'),
        rows.map((r) => this.countries.country(r.countryIp !== undefined ? r.countryIp : r.ip)),
      ],
    );
    const created = new Set(inserted.map((r) => r.id));
    const missing = rows.filter((r) => !created.has(r.id));
    const known = new Map<string, { id: string; hash: string }>();
    if (missing.length > 0) {
      // A new statement sees keys a concurrent batch (or an earlier row of this one) committed.
      const found: { app_id: string; event_key: string; event_ref: string; body_hash: string }[] = await this.db.query(
        `SELECT k.app_id, k.event_key, k.event_ref, k.body_hash
           FROM event_keys k JOIN unnest($1::uuid[], $2::text[]) AS u(app_id, event_key)
             ON k.app_id = u.app_id AND k.event_key = u.event_key`,
        [missing.map((r) => r.appId), missing.map((r) => r.eventKey)],
      );
      for (const f of found) known.set(`${f.app_id}\u0000${f.event_key}`, { id: f.event_ref, hash: f.body_hash });
    }
    return rows.map((r) => {
      if (created.has(r.id)) return { id: r.id, created: true, sameBody: true };
      const k = known.get(`${r.appId}\u0000${r.eventKey}`);
      if (!k) throw new Error(`event ${r.eventKey} neither inserted nor found`);
      return { id: k.id, created: false, sameBody: k.hash === r.bodyHash };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}
