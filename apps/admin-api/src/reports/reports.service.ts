import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { invalid, notFound } from '@app/domain';
import type { CampaignReportQuery } from './reports.dto';

const MAX_DAYS = 366;

interface Row {
  day: string | null;
  campaign_id: string | null;
  clicks: string;
  impressions: string;
  installs: string;
  rejected: string;
  organic: string;
  events: string;
  revenue_usd: string | null;
  spend: string | null;
}

/**
 * Per campaign (and per UTC day): touches, attributed installs, rejected installs kept apart, events and their
 * revenue in USD, spend from cost per install, and ROAS. Organic installs and their events form the row with
 * `campaignId: null`. Sums are exact numerics in PostgreSQL; JSON carries them as numbers rounded to cents
 * (spend, revenue) or 4 decimals (ROAS).
 */
@Injectable()
export class ReportsService {
  constructor(private readonly db: DataSource) {}

  async campaigns(q: CampaignReportQuery) {
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw invalid('invalid_range', '`from` must be before `to`.', 'to');
    if (to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) {
      throw invalid('invalid_range', `At most ${MAX_DAYS} days at a time.`, 'to');
    }
    const [app] = await this.db.query('SELECT 1 FROM apps WHERE id = $1', [q.appId]);
    if (!app) throw notFound('app', 'appId');
    // The day as text made in SQL: a zone-less timestamp would be re-read in the server's local time zone.
    const day = (column: string) => (q.groupBy === 'total' ? 'NULL::text' : `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`);
    const rows: Row[] = await this.db.query(
      `WITH
        c AS (SELECT ${day('ts')} AS day, campaign_id, count(*) AS n FROM clicks
               WHERE app_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2),
        i AS (SELECT ${day('ts')} AS day, campaign_id, count(*) AS n FROM impressions
               WHERE app_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2),
        ins AS (SELECT ${day('installed_at')} AS day, campaign_id,
                       count(*) FILTER (WHERE status = 'attributed') AS attributed,
                       count(*) FILTER (WHERE status = 'rejected') AS rejected,
                       count(*) FILTER (WHERE status = 'organic') AS organic
                  FROM installs WHERE app_id = $1 AND installed_at >= $2 AND installed_at < $3 GROUP BY 1, 2),
        e AS (SELECT ${day('occurred_at')} AS day, campaign_id, count(*) AS n, sum(revenue_usd) AS revenue_usd FROM events
               WHERE app_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1, 2),
        k AS (SELECT day, campaign_id FROM c UNION SELECT day, campaign_id FROM i
              UNION SELECT day, campaign_id FROM ins UNION SELECT day, campaign_id FROM e)
      SELECT k.day, k.campaign_id,
             coalesce(c.n, 0) AS clicks, coalesce(i.n, 0) AS impressions,
             coalesce(ins.attributed, 0) AS installs, coalesce(ins.rejected, 0) AS rejected,
             coalesce(ins.organic, 0) AS organic,
             coalesce(e.n, 0) AS events, e.revenue_usd,
             coalesce(ins.attributed, 0) * cmp.cost_per_install AS spend
        FROM k
        LEFT JOIN c ON c.day IS NOT DISTINCT FROM k.day AND c.campaign_id IS NOT DISTINCT FROM k.campaign_id
        LEFT JOIN i ON i.day IS NOT DISTINCT FROM k.day AND i.campaign_id IS NOT DISTINCT FROM k.campaign_id
        LEFT JOIN ins ON ins.day IS NOT DISTINCT FROM k.day AND ins.campaign_id IS NOT DISTINCT FROM k.campaign_id
        LEFT JOIN e ON e.day IS NOT DISTINCT FROM k.day AND e.campaign_id IS NOT DISTINCT FROM k.campaign_id
        LEFT JOIN campaigns cmp ON cmp.id = k.campaign_id
       ORDER BY k.day NULLS FIRST, k.campaign_id NULLS FIRST`,
      [q.appId, from, to],
    );
    return {
      appId: q.appId,
      from: from.toISOString(),
      to: to.toISOString(),
      groupBy: q.groupBy ?? 'day',
      rows: rows.map((r) => {
        const revenue = r.revenue_usd === null ? 0 : Number(r.revenue_usd);
        const spend = r.spend === null ? null : Number(r.spend);
        return {
          date: r.day,
          campaignId: r.campaign_id,
          clicks: Number(r.clicks),
          impressions: Number(r.impressions),
          installs: Number(r.installs),
          rejected: Number(r.rejected),
          organic: Number(r.organic),
          events: Number(r.events),
          revenueUsd: Math.round(revenue * 100) / 100,
          spend: spend === null ? null : Math.round(spend * 100) / 100,
          roas: spend ? Math.round((revenue / spend) * 10_000) / 10_000 : null,
        };
      }),
    };
  }
}
