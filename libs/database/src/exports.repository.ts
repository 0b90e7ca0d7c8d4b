// Raw rows of an app over a time range, streamed from a server-side cursor: memory stays flat at any size.
import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';

export type ExportKind = 'installs' | 'events' | 'clicks';

interface ExportSpec {
  table: string;
  time: string;
  /** Output name → SQL expression. */
  columns: [string, string][];
}

const SPECS: Record<ExportKind, ExportSpec> = {
  installs: {
    table: 'installs',
    time: 'installed_at',
    columns: [
      ['id', 'id'], ['installId', 'install_id'], ['installedAt', 'installed_at'], ['receivedAt', 'received_at'],
      ['status', 'status'], ['campaignId', 'campaign_id'], ['matchType', 'match_type'], ['touchId', 'touch_id'],
      ['touchKind', 'touch_kind'], ['ctitSeconds', 'ctit_seconds'], ['rejectionReason', 'rejection_reason'],
      ['decidedAt', 'decided_at'], ['gaid', 'gaid'], ['idfa', 'idfa'], ['idfv', 'idfv'], ['androidId', 'android_id'],
      ['ip', 'host(ip)'], ['userAgent', 'user_agent'], ['country', 'country'], ['referrer', 'referrer'],
      ['consentAttribution', 'consent_attribution'], ['consentRetargeting', 'consent_retargeting'],
      ['customerUserId', 'customer_user_id'],
    ],
  },
  events: {
    table: 'events',
    time: 'occurred_at',
    columns: [
      ['id', 'id'], ['eventId', 'event_id'], ['source', 'source'], ['installId', 'install_id'], ['installRef', 'install_ref'],
      ['name', 'name'], ['occurredAt', 'occurred_at'], ['receivedAt', 'received_at'], ['revenue', 'revenue::text'],
      ['currency', 'currency'], ['revenueUsd', 'revenue_usd::text'], ['status', 'status'], ['campaignId', 'campaign_id'],
      ['matchType', 'match_type'], ['country', 'country'], ['userId', 'user_id'], ['ip', 'host(ip)'],
      ['pageUrl', 'page_url'], ['properties', 'properties'],
    ],
  },
  clicks: {
    table: 'clicks',
    time: 'ts',
    columns: [
      ['id', 'id'], ['campaignId', 'campaign_id'], ['ts', 'ts'], ['networkClickId', 'network_click_id'], ['gaid', 'gaid'],
      ['idfa', 'idfa'], ['ip', 'host(ip)'], ['userAgent', 'user_agent'], ['country', 'country'], ['siteId', 'site_id'],
      ['creative', 'creative'], ['subs', 'subs'],
    ],
  },
};

export const EXPORT_COLUMNS: Record<ExportKind, string[]> = Object.fromEntries(
  Object.entries(SPECS).map(([k, s]) => [k, s.columns.map(([name]) => name)]),
) as Record<ExportKind, string[]>;

export interface ExportCursor {
  rows: Readable;
  /** Gives the connection back; safe to call more than once. */
  release: (err?: Error) => void;
}

@Injectable()
export class ExportsRepository {
  constructor(private readonly db: DataSource) {}

  /** Rows in time order, fetched BATCH at a time; the consumer's pace (back-pressure) decides when more is read. */
  async open(kind: ExportKind, appId: string, from: Date, to: Date, batchSize = 1000): Promise<ExportCursor> {
    const spec = SPECS[kind];
    const pool = (this.db.driver as unknown as { master: Pool }).master;
    const client: PoolClient = await pool.connect();
    const select = spec.columns.map(([name, sql]) => `${sql} AS "${name}"`).join(', ');
    const rows = client.query(
      new QueryStream(
        `SELECT ${select} FROM ${spec.table} WHERE app_id = $1 AND ${spec.time} >= $2 AND ${spec.time} < $3 ORDER BY ${spec.time}, id`,
        [appId, from, to],
        { batchSize, highWaterMark: batchSize },
      ),
    );
    let released = false;
    return {
      rows,
      release: (err?: Error) => {
        if (released) return;
        released = true;
        // A connection whose cursor was cut off mid-stream is not reused.
        client.release(err ?? (rows.readableEnded ? undefined : true));
      },
    };
  }
}
