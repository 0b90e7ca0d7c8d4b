import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { GroupCommitWriter, namedQuery } from '@app/database';
import { CountryLookup, isDependencyDown, metrics } from '@app/http';

export interface TouchRow {
  kind: 'click' | 'impression';
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

const TABLE = { click: 'clicks', impression: 'impressions' } as const;

/** Appends clicks and impressions through group-commit writers: many requests' rows, one INSERT … SELECT FROM unnest. */
@Injectable()
export class TouchWriter implements OnApplicationShutdown {
  private readonly writers: Record<TouchRow['kind'], GroupCommitWriter<TouchRow, void>>;

  constructor(db: DataSource, @Inject(LOOKBACK_CONFIG) config: LookbackConfig, countries: CountryLookup) {
    const writer = (kind: TouchRow['kind']) =>
      new GroupCommitWriter<TouchRow, void>(
      async (rows) => {
        // The insert ignores ids it has: a spooled touch that was also committed late is stored once.
        // Prepared once per connection: a burst of clicks is hundreds of these a second.
        await namedQuery(
          db,
          `lb_insert_${TABLE[kind]}`,
          `INSERT INTO ${TABLE[kind]} (id, app_id, campaign_id, ts, network_click_id, gaid, idfa, ip, user_agent, ua_key,
                               site_id, creative, subs, country)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[],
                                $7::text[], $8::inet[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[],
                                $14::text[])
           ON CONFLICT DO NOTHING`,
          [
            rows.map((r) => r.id),
            rows.map((r) => r.appId),
            rows.map((r) => r.campaignId),
            rows.map((r) => r.ts),
            rows.map((r) => r.networkClickId),
            rows.map((r) => r.gaid),
            rows.map((r) => r.idfa),
            rows.map((r) => r.ip),
            rows.map((r) => r.userAgent),
            rows.map((r) => r.uaKey),
            rows.map((r) => r.siteId),
            rows.map((r) => r.creative),
            rows.map((r) => r.subs),
            rows.map((r) => countries.country(r.ip)),
          ],
        );
        return rows.map(() => undefined);
      },
      { maxRows: config.groupCommitMaxRows, maxInFlight: 3, retryAlone: (err) => !isDependencyDown(err) },
      ({ rows, ms }) => {
        metrics.batchRows.observe({ table: TABLE[kind] }, rows);
        metrics.batchSeconds.observe({ table: TABLE[kind] }, ms / 1000);
      },
    );
    this.writers = { click: writer('click'), impression: writer('impression') };
  }

  write(row: TouchRow): Promise<void> {
    return this.writers[row.kind].write(row);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.writers.click.close(), this.writers.impression.close()]);
  }
}
