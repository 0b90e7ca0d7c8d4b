// Reports and cohorts, read from the rollups the triggers of migration 1764750100000 keep current; imported costs.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type ReportGrouping = 'day' | 'campaign' | 'network' | 'country' | 'total';

export interface ReportRow {
  day: string | null;
  campaign_id: string | null;
  network_id: string | null;
  country: string | null;
  clicks: string;
  impressions: string;
  installs: string;
  rejected: string;
  organic: string;
  events: string;
  revenue_usd: string;
  spend: string | null;
}

export interface CohortRow {
  install_day: string;
  campaign_id: string | null;
  installs: string;
  /** Cumulative revenue at each asked day, in the order asked. */
  revenue: string[];
}

export interface CostInput {
  day: string;
  amount: string;
  currency: string;
}

/** The columns each grouping keeps; everything else comes out NULL. */
const GROUP_KEYS: Record<ReportGrouping, ('day' | 'campaign_id' | 'network_id' | 'country')[]> = {
  day: ['day', 'campaign_id', 'network_id'],
  campaign: ['campaign_id', 'network_id'],
  network: ['network_id'],
  country: ['country'],
  total: [],
};

@Injectable()
export class ReportsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * One row per key of the grouping over the UTC days [fromDay, toDay). Measures are summed at the finest grain
   * (day, campaign, country) first; spend is priced there: a campaign-day's imported cost (shared among its
   * countries by attributed installs; all of it on the unknown-country row when the day had none), else
   * attributed installs × the campaign's costPerInstall, else null.
   */
  async campaignReport(appId: string, fromDay: string, toDay: string, groupBy: ReportGrouping): Promise<ReportRow[]> {
    const keys = GROUP_KEYS[groupBy];
    const col = (k: 'day' | 'campaign_id' | 'network_id' | 'country') =>
      keys.includes(k) ? (k === 'day' ? `to_char(p.day, 'YYYY-MM-DD')` : `p.${k}`) : 'NULL';
    const groupBy_ = keys.length ? `GROUP BY ${keys.map((k) => `p.${k}`).join(', ')}` : '';
    const orderBy = keys.length ? `ORDER BY ${keys.map((k) => `p.${k} NULLS FIRST`).join(', ')}` : '';
    return this.db.query(
      `WITH fine AS (
         SELECT day, campaign_id, country, sum(clicks) AS clicks, sum(impressions) AS impressions,
                sum(installs) AS installs, sum(rejected) AS rejected, sum(organic) AS organic,
                sum(events) AS events, sum(revenue_usd) AS revenue_usd
           FROM (
             SELECT day, campaign_id, country, clicks, impressions, 0 AS installs, 0 AS rejected, 0 AS organic,
                    0 AS events, 0 AS revenue_usd
               FROM report_touches WHERE app_id = $1 AND day >= $2::date AND day < $3::date
             UNION ALL
             SELECT day, campaign_id, country, 0, 0, installs, rejected, organic, 0, 0
               FROM report_installs WHERE app_id = $1 AND day >= $2::date AND day < $3::date
             UNION ALL
             SELECT day, campaign_id, country, 0, 0, 0, 0, 0, events, revenue_usd
               FROM report_events WHERE app_id = $1 AND day >= $2::date AND day < $3::date
             UNION ALL
             SELECT day, campaign_id, NULL, 0, 0, 0, 0, 0, 0, 0
               FROM campaign_costs WHERE app_id = $1 AND day >= $2::date AND day < $3::date
           ) u
          GROUP BY day, campaign_id, country
       ), p AS (
         SELECT f.*, cmp.network_id,
                CASE
                  WHEN cost.amount_usd IS NOT NULL THEN
                    CASE WHEN sum(f.installs) OVER w > 0 THEN cost.amount_usd * f.installs / sum(f.installs) OVER w
                         WHEN f.country IS NULL THEN cost.amount_usd
                         ELSE 0 END
                  WHEN cmp.cost_per_install IS NOT NULL THEN f.installs * cmp.cost_per_install
                END AS spend
           FROM fine f
           LEFT JOIN campaigns cmp ON cmp.id = f.campaign_id
           LEFT JOIN campaign_costs cost ON cost.app_id = $1 AND cost.campaign_id = f.campaign_id AND cost.day = f.day
         WINDOW w AS (PARTITION BY f.day, f.campaign_id)
       )
       SELECT ${col('day')} AS day, ${col('campaign_id')} AS campaign_id, ${col('network_id')} AS network_id,
              ${col('country')} AS country,
              sum(p.clicks)::text AS clicks, sum(p.impressions)::text AS impressions, sum(p.installs)::text AS installs,
              sum(p.rejected)::text AS rejected, sum(p.organic)::text AS organic, sum(p.events)::text AS events,
              sum(p.revenue_usd)::text AS revenue_usd, sum(p.spend)::text AS spend
         FROM p
        ${groupBy_}
       HAVING sum(p.clicks) <> 0 OR sum(p.impressions) <> 0 OR sum(p.installs) <> 0 OR sum(p.rejected) <> 0
           OR sum(p.organic) <> 0 OR sum(p.events) <> 0 OR sum(p.revenue_usd) <> 0 OR sum(p.spend) IS NOT NULL
        ${orderBy}`,
      [appId, fromDay, toDay],
    );
  }

  /**
   * Per install day and campaign (organic: no campaign): installs, and the cumulative revenue of their linked
   * events at each of `days` (D0 = the first 24 h after each install).
   */
  async cohorts(appId: string, fromDay: string, toDay: string, days: number[]): Promise<CohortRow[]> {
    return this.db.query(
      `WITH inst AS (
         SELECT day AS install_day, campaign_id, sum(installs + organic) AS installs
           FROM report_installs WHERE app_id = $1 AND day >= $2::date AND day < $3::date
          GROUP BY 1, 2 HAVING sum(installs + organic) <> 0
       ), rev AS (
         SELECT install_day, campaign_id, age_days, sum(revenue_usd) AS revenue_usd
           FROM cohort_revenue WHERE app_id = $1 AND install_day >= $2::date AND install_day < $3::date
          GROUP BY 1, 2, 3 HAVING sum(events) <> 0 OR sum(revenue_usd) <> 0
       ), curve AS (
         SELECT r.install_day, r.campaign_id,
                array_agg(sum_at::text ORDER BY ord) AS revenue
           FROM (SELECT r.install_day, r.campaign_id, a.ord, sum(r.revenue_usd) FILTER (WHERE r.age_days <= a.d) AS sum_at
                   FROM rev r CROSS JOIN unnest($4::int[]) WITH ORDINALITY AS a(d, ord)
                  GROUP BY 1, 2, 3) r
          GROUP BY 1, 2
       ), k AS (
         SELECT install_day, campaign_id FROM inst UNION SELECT install_day, campaign_id FROM curve
       )
       SELECT to_char(k.install_day, 'YYYY-MM-DD') AS install_day, k.campaign_id,
              coalesce(i.installs, 0)::text AS installs,
              coalesce(c.revenue, array_fill('0'::text, ARRAY[cardinality($4::int[])])) AS revenue
         FROM k
         LEFT JOIN inst i ON i.install_day = k.install_day AND i.campaign_id IS NOT DISTINCT FROM k.campaign_id
         LEFT JOIN curve c ON c.install_day = k.install_day AND c.campaign_id IS NOT DISTINCT FROM k.campaign_id
        ORDER BY k.install_day, k.campaign_id NULLS FIRST`,
      [appId, fromDay, toDay, days],
    );
  }

  /**
   * Upserts a campaign's daily costs in USD at today's FX rates, in one statement. Returns the currencies the
   * FX table does not know (nothing is written then).
   */
  async importCosts(appId: string, campaignId: string, costs: CostInput[]): Promise<{ unknownCurrencies: string[] }> {
    return this.db.transaction(async (tx) => {
      const currencies = [...new Set(costs.map((c) => c.currency))];
      const known: { currency: string }[] = await tx.query(`SELECT currency FROM fx_rates WHERE currency = ANY($1::text[])`, [currencies]);
      const unknown = currencies.filter((c) => !known.some((k) => k.currency === c));
      if (unknown.length > 0) return { unknownCurrencies: unknown };
      await tx.query(
        `INSERT INTO campaign_costs (app_id, campaign_id, day, amount, currency, amount_usd, imported_at)
         SELECT $1, $2, c.day, c.amount, c.currency, round(c.amount * fx.usd_per_unit, 6), now()
           FROM unnest($3::date[], $4::numeric[], $5::text[]) AS c(day, amount, currency)
           JOIN fx_rates fx ON fx.currency = c.currency
         ON CONFLICT (app_id, campaign_id, day) DO UPDATE
           SET amount = excluded.amount, currency = excluded.currency, amount_usd = excluded.amount_usd,
               imported_at = excluded.imported_at`,
        [appId, campaignId, costs.map((c) => c.day), costs.map((c) => c.amount), costs.map((c) => c.currency)],
      );
      return { unknownCurrencies: [] };
    });
  }

  /** Removes imported costs (the days fall back to installs × costPerInstall). */
  async removeCosts(campaignId: string, days: string[]): Promise<void> {
    if (days.length === 0) return;
    await this.db.query(`DELETE FROM campaign_costs WHERE campaign_id = $1 AND day = ANY($2::date[])`, [campaignId, days]);
  }

  async costs(campaignId: string, days: string[]) {
    const rows: { day: string; amount: string; currency: string; amount_usd: string }[] = await this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, amount::text, currency, amount_usd::text FROM campaign_costs
        WHERE campaign_id = $1 AND day = ANY($2::date[]) ORDER BY day`,
      [campaignId, days],
    );
    return rows;
  }
}
