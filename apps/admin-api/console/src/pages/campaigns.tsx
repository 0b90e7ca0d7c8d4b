// Campaigns: installs, revenue, spend, ROAS and eCPI over a range; a line per campaign by day; a sortable table.
import { useMemo, useState } from 'preact/hooks';
import { download, get, query, type CampaignReport, type ReportRow } from '../api';
import { campaignName, networkName, type Ctx } from '../context';
import { addDays, count, money, range, ratio, times, today } from '../format';
import { Chart, Section, SortTable, useLoad, type Column, type Series } from '../ui';

type Grouping = 'campaign' | 'day' | 'network' | 'country';
type Metric = 'installs' | 'revenueUsd' | 'spend';
const METRICS: Record<Metric, string> = { installs: 'Installs', revenueUsd: 'Revenue (USD)', spend: 'Spend (USD)' };

function RangeFields({ from, to, set }: { from: string; to: string; set: (from: string, to: string) => void }) {
  return (
    <>
      <label>
        <span>From</span>
        <input type="date" name="from" value={from} max={to} required onChange={(e) => e.currentTarget.value && set(e.currentTarget.value, to)} />
      </label>
      <label>
        <span>To</span>
        <input type="date" name="to" value={to} min={from} required onChange={(e) => e.currentTarget.value && set(from, e.currentTarget.value)} />
      </label>
    </>
  );
}
export { RangeFields };

/** The days [from, to] as chart x values (seconds, UTC midnight). */
function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

export function CampaignsPage({ ctx }: { ctx: Ctx }) {
  const [from, setFrom] = useState(addDays(today(), -6));
  const [to, setTo] = useState(today());
  const [groupBy, setGroupBy] = useState<Grouping>('campaign');
  const [metric, setMetric] = useState<Metric>('installs');
  const r = range(from, to);
  const report = (g: string) => get<CampaignReport>(`/v1/reports/campaigns?${query({ appId: ctx.app.id, ...r, groupBy: g })}`);
  const data = useLoad(async () => {
    const [byDay, table, total] = await Promise.all([report('day'), groupBy === 'day' ? undefined : report(groupBy), report('total')]);
    // The grouping travels with its rows: while the next grouping loads, the last rows stay shown with their own columns.
    return { grouping: groupBy, byDay: byDay.rows, table: (table ?? byDay).rows, total: total.rows[0] as ReportRow | undefined };
  }, [ctx.app.id, from, to, groupBy]);

  const keyOf = (groupBy: Grouping) => (row: ReportRow): string =>
    groupBy === 'day' ? `${row.date}|${row.campaignId ?? 'organic'}` : groupBy === 'campaign' ? (row.campaignId ?? 'organic') : groupBy === 'network' ? (row.networkId ?? 'none') : (row.country ?? 'unknown');

  const columnsFor = (groupBy: Grouping) => {
    const key: Column<ReportRow>[] =
      groupBy === 'day'
        ? [
            { key: 'date', label: 'Day', value: (x) => x.date },
            { key: 'campaign', label: 'Campaign', value: (x) => campaignName(ctx, x.campaignId) },
          ]
        : groupBy === 'campaign'
          ? [{ key: 'campaign', label: 'Campaign', value: (x) => campaignName(ctx, x.campaignId) }]
          : groupBy === 'network'
            ? [{ key: 'network', label: 'Network', value: (x) => (x.networkId === null ? 'Organic' : networkName(ctx, x.networkId)) }]
            : [{ key: 'country', label: 'Country', value: (x) => x.country ?? 'Unknown' }];
    const n = (k: keyof ReportRow, label: string, f: (v: number | null) => string): Column<ReportRow> => ({
      key: k,
      label,
      numeric: true,
      value: (x) => x[k] as number | null,
      render: (x) => f(x[k] as number | null),
    });
    return [
      ...key,
      n('clicks', 'Clicks', count),
      n('installs', 'Installs', count),
      n('rejected', 'Rejected', count),
      n('organic', 'Organic', count),
      n('revenueUsd', 'Revenue', money),
      n('spend', 'Spend', money),
      n('ecpi', 'eCPI', money),
      n('roas', 'ROAS', times),
      n('conversionRate', 'CVR', ratio),
    ];
  };

  const csv = (kind: 'installs' | 'events' | 'clicks') =>
    download(`/v1/exports/${kind}?${query({ appId: ctx.app.id, ...r, format: 'csv' })}`, `${kind}-${from}-${to}.csv`).catch((e: Error) => alert(e.message));

  return (
    <>
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
        <RangeFields
          from={from}
          to={to}
          set={(f, t) => {
            setFrom(f);
            setTo(t);
          }}
        />
        <label>
          <span>Group by</span>
          <select name="groupBy" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as Grouping)}>
            <option value="campaign">Campaign</option>
            <option value="day">Day</option>
            <option value="network">Network</option>
            <option value="country">Country</option>
          </select>
        </label>
        <span class="grow" />
        <span class="downloads">
          Download{' '}
          {(['installs', 'events', 'clicks'] as const).map((k) => (
            <button key={k} type="button" class="link" onClick={() => void csv(k)}>
              {k} CSV
            </button>
          ))}
        </span>
      </form>
      <Section load={data} minHeight={96}>
        {(d) => (
          <dl class="tiles" data-testid="totals">
            <Tile k="installs" label="Installs" v={count(d.total?.installs ?? 0)} />
            <Tile k="revenueUsd" label="Revenue" v={money(d.total?.revenueUsd ?? 0)} />
            <Tile k="spend" label="Spend" v={money(d.total?.spend ?? null)} />
            <Tile k="roas" label="ROAS" v={times(d.total?.roas ?? null)} />
            <Tile k="ecpi" label="eCPI" v={money(d.total?.ecpi ?? null)} />
          </dl>
        )}
      </Section>
      <div class="chart-head">
        <h2>By day</h2>
        <label>
          <span>Show</span>
          <select name="metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value as Metric)}>
            {Object.entries(METRICS).map(([k, l]) => (
              <option key={k} value={k}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Section
        load={data}
        minHeight={300}
        isEmpty={(d) => d.byDay.every((x) => x.installs === 0 && x.clicks === 0 && x.revenueUsd === 0)}
        empty={
          <>
            No clicks, installs or revenue between {from} and {to}. Widen the range, or check that your tracking links and SDK point at
            this Lookback (the Pixel page shows web hits as they arrive).
          </>
        }
      >
        {(d) => <DayChart rows={d.byDay} days={daysOf(from, to)} metric={metric} ctx={ctx} />}
      </Section>
      <h2>By {groupBy}</h2>
      <Section load={data} minHeight={200} isEmpty={(d) => d.table.length === 0} empty={<>No rows in this range. Widen the range or pick another app.</>}>
        {(d) => (
          <SortTable
            key={d.grouping}
            caption={`Campaign report by ${d.grouping}, ${from} to ${to}`}
            columns={columnsFor(d.grouping)}
            rows={d.table}
            rowKey={keyOf(d.grouping)}
            initial={{ key: d.grouping === 'day' ? 'date' : 'installs', desc: d.grouping !== 'day' }}
          />
        )}
      </Section>
    </>
  );
}

function Tile({ k, label, v }: { k: string; label: string; v: string }) {
  return (
    <div class="tile" data-tile={k}>
      <dt>{label}</dt>
      <dd>{v}</dd>
    </div>
  );
}

function DayChart({ rows, days, metric, ctx }: { rows: ReportRow[]; days: string[]; metric: Metric; ctx: Ctx }) {
  const { x, series } = useMemo(() => {
    const index = new Map(days.map((d, i) => [d, i]));
    const byCampaign = new Map<string, (number | null)[]>();
    for (const row of rows) {
      if (row.campaignId === null || row.date === null) continue;
      const i = index.get(row.date);
      if (i === undefined) continue;
      let values = byCampaign.get(row.campaignId);
      if (!values) byCampaign.set(row.campaignId, (values = days.map(() => 0)));
      values[i] = (values[i] ?? 0) + (row[metric] ?? 0);
    }
    const series: Series[] = [...byCampaign].map(([id, values]) => ({ label: campaignName(ctx, id), values }));
    return { x: days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), series };
  }, [rows, days, metric, ctx]);
  if (series.length === 0) return <div class="notice empty">Only organic activity in this range: no campaign to draw.</div>;
  return (
    <Chart
      x={x}
      series={series}
      label={`${METRICS[metric]} per campaign by day`}
      xFormat={(v) => new Date(v * 1000).toISOString().slice(5, 10)}
      yFormat={metric === 'installs' ? undefined : (v) => `$${v}`}
    />
  );
}
