// The tracking paths' SQL: clicks and impressions appended in batches by ingestion's group-commit writers.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { namedQuery } from '../sql';

export type TouchKind = 'click' | 'impression';

/** A click or impression as ingestion records it (ids are made by ingestion, so a retried batch is stored once). */
export interface NewTouch {
  kind: TouchKind;
  id: string;
  appId: string;
  campaignId: string;
  ts: Date;
  networkClickId: string | null;
  gaid: string | null;
  idfa: string | null;
  ip: string | null;
  userAgent: string | null;
  uaKey: string | null;
  siteId: string | null;
  creative: string | null;
  subs: string | null;
}

export const TOUCH_TABLE = { click: 'clicks', impression: 'impressions' } as const satisfies Record<TouchKind, string>;

const insertSql = (table: string) => `INSERT INTO ${table} (id, app_id, campaign_id, ts, network_click_id, gaid, idfa, ip, user_agent, ua_key,
                               site_id, creative, subs, country)
   SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[],
                        $7::text[], $8::inet[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[],
                        $14::text[])
   ON CONFLICT DO NOTHING`;
const INSERT = { click: insertSql('clicks'), impression: insertSql('impressions') };

@Injectable()
export class TouchesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Appends touches of one kind in one statement. Ids it already has are ignored: a spooled touch that was also
   * committed late is stored once. Prepared once per connection: a burst of clicks is hundreds of these a second.
   * `countries[i]` is touch i's country (placed at ingest, from its IP).
   */
  async insert(kind: TouchKind, rows: readonly NewTouch[], countries: readonly (string | null)[]): Promise<void> {
    const n = rows.length;
    const cols: unknown[][] = Array.from({ length: 13 }, () => new Array<unknown>(n));
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      cols[0][i] = r.id;
      cols[1][i] = r.appId;
      cols[2][i] = r.campaignId;
      // ISO text, not a Date: node-postgres formats Dates field by field in local time, far slower per row.
      cols[3][i] = r.ts.toISOString();
      cols[4][i] = r.networkClickId;
      cols[5][i] = r.gaid;
      cols[6][i] = r.idfa;
      cols[7][i] = r.ip;
      cols[8][i] = r.userAgent;
      cols[9][i] = r.uaKey;
      cols[10][i] = r.siteId;
      cols[11][i] = r.creative;
      cols[12][i] = r.subs;
    }
    await namedQuery(this.db, `lb_insert_${TOUCH_TABLE[kind]}`, INSERT[kind], [...cols, countries]);
  }
}
