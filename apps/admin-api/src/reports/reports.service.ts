import { Injectable } from '@nestjs/common';
import { ReportsRepository, type CostInput, type ReportRow } from '@app/database';
import { decimalFromNumber, decimalFromText, invalid, isCurrency, type AppScope } from '@app/domain';
import { AppsService } from '../apps/apps.service';
import { CampaignsService } from '../campaigns/campaigns.service';
import type { CampaignReportQuery, CohortQuery, PutCostsDto } from './reports.dto';

const MAX_DAYS = 366;
const DEFAULT_COHORT_DAYS = [0, 1, 7, 30];
const DAY_MS = 86_400_000;

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const ratio = (a: number, b: number | null) => (b ? round(a / b, 4) : null);

/** The UTC days overlapping [from, to): the first, and the one after the last. */
function dayRange(q: { from: string; to: string }) {
  const from = new Date(q.from);
  const to = new Date(q.to);
  if (!(from < to)) throw invalid('invalid_range', '`from` must be before `to`.', 'to');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) {
    throw invalid('invalid_range', `At most ${MAX_DAYS} days at a time.`, 'to');
  }
  const fromDay = new Date(Math.floor(from.getTime() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const toDay = new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  return { from, to, fromDay, toDay };
}

function isRealDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/**
 * Reports and cohorts over the rollups (never raw rows), and the cost import they price spend with. Money is
 * summed exactly in PostgreSQL; JSON carries report money rounded to cents and ratios to 4 decimals.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly apps: AppsService,
    private readonly campaigns: CampaignsService,
  ) {}

  async campaignReport(q: CampaignReportQuery, scope: AppScope) {
    const range = dayRange(q);
    await this.apps.find(q.appId, scope, 'appId');
    const groupBy = q.groupBy ?? 'day';
    const rows = await this.reports.campaignReport(q.appId, range.fromDay, range.toDay, groupBy);
    return {
      appId: q.appId,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      groupBy,
      rows: rows.map(view),
    };
  }

  async cohorts(q: CohortQuery, scope: AppScope) {
    const range = dayRange(q);
    const days = q.days ? [...new Set(q.days.split(',').map(Number))].sort((a, b) => a - b) : DEFAULT_COHORT_DAYS;
    if (days.some((d) => d > 365)) throw invalid('invalid_field', 'days must be from 0 to 365.', 'days');
    await this.apps.find(q.appId, scope, 'appId');
    const rows = await this.reports.cohorts(q.appId, range.fromDay, range.toDay, days);
    return {
      appId: q.appId,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      days,
      rows: rows.map((r) => ({
        installDate: r.install_day,
        campaignId: r.campaign_id,
        installs: Number(r.installs),
        revenueUsd: Object.fromEntries(days.map((d, i) => [`d${d}`, Number(r.revenue[i]).toFixed(2)])),
      })),
    };
  }

  /** A day's imported cost replaces installs × costPerInstall as that day's spend; `amount: null` removes it. */
  async putCosts(campaignId: string, dto: PutCostsDto, scope: AppScope) {
    const campaign = await this.campaigns.find(campaignId, scope);
    const seen = new Set<string>();
    const upserts: CostInput[] = [];
    const removals: string[] = [];
    dto.costs.forEach((c, i) => {
      const field = `costs.${i}`;
      if (!isRealDay(c.date)) throw invalid('invalid_field', 'date must be a real day as YYYY-MM-DD.', `${field}.date`);
      if (seen.has(c.date)) throw invalid('invalid_field', `${c.date} appears twice.`, `${field}.date`);
      seen.add(c.date);
      if (!isCurrency(c.currency)) throw invalid('unknown_currency', `${c.currency} is not an ISO 4217 currency code.`, `${field}.currency`);
      if (c.amount === null) return void removals.push(c.date);
      const amount =
        typeof c.amount === 'number' ? decimalFromNumber(c.amount) : typeof c.amount === 'string' ? decimalFromText(c.amount) : undefined;
      const [whole, fraction = ''] = (amount ?? '').replace(/^-/, '').split('.');
      if (amount === undefined || amount.startsWith('-') || fraction.length > 6 || whole.length > 14) {
        throw invalid(
          'invalid_amount',
          'amount must be a decimal of at least 0 with at most 6 decimals (a string such as "120.50", or null to remove).',
          `${field}.amount`,
        );
      }
      upserts.push({ day: c.date, amount, currency: c.currency });
    });
    if (upserts.length > 0) {
      const { unknownCurrencies } = await this.reports.importCosts(campaign.appId, campaign.id, upserts);
      if (unknownCurrencies.length > 0) {
        const i = dto.costs.findIndex((c) => c.currency === unknownCurrencies[0]);
        throw invalid('unknown_rate', `No FX rate for ${unknownCurrencies[0]}; set one with PUT /v1/fx-rates.`, `costs.${i}.currency`);
      }
    }
    await this.reports.removeCosts(campaign.id, removals);
    const stored = await this.reports.costs(campaign.id, [...seen]);
    return {
      campaignId: campaign.id,
      costs: stored.map((c) => ({ date: c.day, amount: trim(c.amount), currency: c.currency, amountUsd: trim(c.amount_usd) })),
    };
  }
}

const trim = (d: string) => (d.includes('.') ? d.replace(/\.?0+$/, '') : d);

function view(r: ReportRow) {
  const revenue = Number(r.revenue_usd);
  const spend = r.spend === null ? null : Number(r.spend);
  const installs = Number(r.installs);
  const clicks = Number(r.clicks);
  return {
    date: r.day,
    campaignId: r.campaign_id,
    networkId: r.network_id,
    country: r.country,
    clicks,
    impressions: Number(r.impressions),
    installs,
    rejected: Number(r.rejected),
    organic: Number(r.organic),
    events: Number(r.events),
    revenueUsd: round(revenue, 2),
    spend: spend === null ? null : round(spend, 2),
    ecpi: spend === null || installs === 0 ? null : round(spend / installs, 4),
    roas: spend ? ratio(revenue, spend) : null,
    conversionRate: ratio(installs, clicks),
  };
}
