import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { GroupCommitWriter, namedQuery, type EventSource } from '@app/database';
import { uuidv7Time } from '@app/domain';
import { CountryLookup, isDependencyDown, metrics } from '@app/http';
import { EVENT_QUEUE, PROCESS_EVENT_JOB, enqueueBulkAfterCommit } from '@app/queues';

export interface EventRow {
  id: string;
  appId: string;
  /** The idempotency key in the app's ledger (`eventId`, or `pixel:<eid>`); null for a pixel hit without eid (no ledger row). */
  eventKey: string | null;
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
 * however often (or however concurrently) it is sent. A pixel hit without `eid` has nothing to dedupe: it skips
 * the ledger. A pixel hit's `lcid` is resolved in the same statement (the click of this app, inside its
 * campaign's click lookback before the hit), so a web event needs no worker job — unless its revenue still waits
 * for an FX rate. After each committed batch, ONE `addBulk` asks the worker for the rows that need it.
 */
@Injectable()
export class EventWriter implements OnApplicationShutdown {
  private readonly writer: GroupCommitWriter<EventRow, Written>;

  constructor(
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    private readonly countries: CountryLookup,
    @InjectQueue(EVENT_QUEUE) private readonly queue: Queue,
  ) {
    this.writer = new GroupCommitWriter(
      (rows) => this.insert(rows),
      {
        maxRows: config.groupCommitMaxRows,
        maxInFlight: 3,
        afterCommit: (rows, results) => this.enqueue(rows, results),
        retryAlone: (err) => !isDependencyDown(err),
      },
      ({ rows, ms }) => {
        metrics.batchRows.observe({ table: 'events' }, rows);
        metrics.batchSeconds.observe({ table: 'events' }, ms / 1000);
      },
    );
  }

  write(row: EventRow): Promise<Written> {
    return this.writer.write(row);
  }

  /** Not awaited by the callers: the rows are committed, and the reconciler offers any pending row Redis missed. */
  private enqueue(rows: EventRow[], results: Written[]): void {
    const jobs = rows.flatMap((r, i) => (results[i].created && needsWorker(r) ? [{ jobId: r.id, data: { eventId: r.id, appId: r.appId } }] : []));
    if (jobs.length === 0) return;
    void enqueueBulkAfterCommit(this.queue, PROCESS_EVENT_JOB, jobs).then((queued) => {
      if (!queued) metrics.enqueueFailures.inc({ queue: EVENT_QUEUE }, jobs.length);
    });
  }

  private async insert(rows: EventRow[]): Promise<Written[]> {
    const col = <K extends keyof EventRow>(k: K) => rows.map((r) => r[k]);
    const inserted = await namedQuery<{ id: string }>(this.db, 'lb_insert_events', INSERT_EVENTS_SQL, [
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
      rows.map((r) => (r.clickId ? (uuidv7Time(r.clickId) ?? null) : null)),
      rows.map((r) => (needsWorker(r) ? 'pending' : 'unlinked')),
      rows.map((r) => this.countries.country(r.countryIp !== undefined ? r.countryIp : r.ip)),
    ]);
    const created = new Set(inserted.map((r) => r.id));
    const missing = rows.filter((r) => !created.has(r.id) && r.eventKey !== null);
    const known = new Map<string, { id: string; hash: string }>();
    if (missing.length > 0) {
      // A new statement sees keys a concurrent batch (or an earlier row of this one) committed.
      const found = await namedQuery<{ app_id: string; event_key: string; event_ref: string; body_hash: string }>(
        this.db,
        'lb_event_keys',
        `SELECT k.app_id, k.event_key, k.event_ref, k.body_hash
           FROM event_keys k JOIN unnest($1::uuid[], $2::text[]) AS u(app_id, event_key)
             ON k.app_id = u.app_id AND k.event_key = u.event_key`,
        [missing.map((r) => r.appId), missing.map((r) => r.eventKey)],
      );
      for (const f of found) known.set(`${f.app_id}\u0000${f.event_key}`, { id: f.event_ref, hash: f.body_hash });
    }
    return rows.map((r) => {
      if (created.has(r.id)) return { id: r.id, created: true, sameBody: true };
      const k = r.eventKey === null ? undefined : known.get(`${r.appId}\u0000${r.eventKey}`);
      if (!k) throw new Error(`event ${r.eventKey ?? r.id} neither inserted nor found`);
      // Our own id: an earlier attempt of this request stored it (its batch failed after the commit): still new.
      if (k.id === r.id) return { id: r.id, created: true, sameBody: true };
      return { id: k.id, created: false, sameBody: k.hash === r.bodyHash };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}

/**
 * What still needs the worker after the insert: an SDK event (linking to its install, postbacks), and a pixel
 * hit whose revenue has no USD value yet (filled once a rate exists). Other pixel hits are complete when stored.
 */
function needsWorker(r: EventRow): boolean {
  return r.source !== 'pixel' || (r.revenue !== null && r.revenueUsd === null);
}

const INSERT_EVENTS_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::timestamptz[], $10::timestamptz[], $11::numeric[], $12::text[],
                         $13::numeric[], $14::jsonb[], $15::boolean[], $16::boolean[], $17::inet[], $18::text[],
                         $19::text[], $20::text[], $21::text[], $22::uuid[], $23::timestamptz[], $24::text[], $25::text[])
      AS t(id, app_id, event_key, body_hash, source, event_id, install_id, name, occurred_at, received_at, revenue,
           currency, revenue_usd, properties, consent_attribution, consent_retargeting, ip, ua_key, user_id,
           page_url, referrer, click_id, click_ts, status, country)
  ), claimed AS (
    INSERT INTO event_keys (app_id, event_key, event_ref, body_hash, received_at)
    SELECT app_id, event_key, id, body_hash, received_at FROM input WHERE event_key IS NOT NULL
    ON CONFLICT (app_id, event_key) DO NOTHING
    RETURNING event_ref
  )
  INSERT INTO events (id, app_id, source, event_id, install_id, name, occurred_at, received_at, revenue, currency,
                      revenue_usd, properties, consent_attribution, consent_retargeting, ip, ua_key, user_id,
                      page_url, referrer, click_id, status, campaign_id, match_type, country)
  SELECT i.id, i.app_id, i.source, i.event_id, i.install_id, i.name, i.occurred_at, i.received_at, i.revenue, i.currency,
         i.revenue_usd, i.properties, i.consent_attribution, i.consent_retargeting, i.ip, i.ua_key, i.user_id,
         i.page_url, i.referrer, i.click_id, i.status, w.campaign_id, CASE WHEN w.campaign_id IS NOT NULL THEN 'click_id' END,
         i.country
    FROM input i
    -- A web event's lcid: that click of this app, made before the hit and inside its campaign's click lookback.
    -- The id is a UUIDv7, its time names the click's partition.
    LEFT JOIN LATERAL (
      SELECT c.campaign_id FROM clicks c JOIN campaigns cp ON cp.id = c.campaign_id
       WHERE i.source = 'pixel' AND c.app_id = i.app_id AND c.id = i.click_id
         AND c.ts BETWEEN i.click_ts - interval '1 second' AND i.click_ts + interval '1 second'
         AND c.ts <= i.received_at AND c.ts >= i.received_at - cp.click_lookback_hours * interval '1 hour'
    ) w ON true
   WHERE i.event_key IS NULL OR i.id IN (SELECT event_ref FROM claimed)
  RETURNING id`;
