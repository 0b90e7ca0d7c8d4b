// Cohorts: cumulative revenue per install, D0…D30, a curve per campaign over the install days chosen.
import { useMemo, useState } from 'preact/hooks';
import { get, query, type CohortReport } from '../api';
import { campaignName, type Ctx } from '../context';
import { addDays, count, money, range, today } from '../format';
import { Chart, Section, SortTable, useLoad, type Column, type Series } from '../ui';
import { RangeFields } from './campaigns';

export const COHORT_DAYS = [0, 1, 3, 7, 14, 30];

export interface CohortLine {
  campaignId: string | null;
  installs: number;
  /** Cumulative USD revenue of the campaign's cohorts at each mark, summed over install days. */
  revenue: number[];
  /** `revenue` per install. */
  perInstall: number[];
}

/** One line per campaign: the install days' cohorts added up, then divided by their installs. */
export function cohortLines(report: CohortReport): CohortLine[] {
  const by = new Map<string, CohortLine>();
  for (const row of report.rows) {
    const k = row.campaignId ?? 'organic';
    let line = by.get(k);
    if (!line) by.set(k, (line = { campaignId: row.campaignId, installs: 0, revenue: report.days.map(() => 0), perInstall: [] }));
    line.installs += row.installs;
    report.days.forEach((d, i) => (line!.revenue[i] += Number(row.revenueUsd[`d${d}`] ?? 0)));
  }
  return [...by.values()].map((l) => ({ ...l, perInstall: l.revenue.map((r) => (l.installs > 0 ? r / l.installs : 0)) }));
}

export function CohortsPage({ ctx }: { ctx: Ctx }) {
  const [from, setFrom] = useState(addDays(today(), -29));
  const [to, setTo] = useState(today());
  const data = useLoad(
    () => get<CohortReport>(`/v1/reports/cohorts?${query({ appId: ctx.app.id, ...range(from, to), days: COHORT_DAYS.join(',') })}`),
    [ctx.app.id, from, to],
  );
  const lines = useMemo(() => (data.data ? cohortLines(data.data) : []), [data.data]);
  const days = data.data?.days ?? COHORT_DAYS;
  const columns: Column<CohortLine>[] = [
    { key: 'campaign', label: 'Campaign', value: (l) => campaignName(ctx, l.campaignId) },
    { key: 'installs', label: 'Installs', numeric: true, value: (l) => l.installs, render: (l) => count(l.installs) },
    ...days.map((d, i) => ({
      key: `d${d}`,
      label: `D${d}`,
      numeric: true,
      value: (l: CohortLine) => l.perInstall[i],
      render: (l: CohortLine) => money(l.perInstall[i]),
    })),
  ];
  return (
    <>
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Install days">
        <RangeFields
          from={from}
          to={to}
          set={(f, t) => {
            setFrom(f);
            setTo(t);
          }}
        />
        <p class="hint">
          Installs of these days; revenue of each install's events up to N days after it (D0 = its first 24 h), per install, cumulative.
          Recent cohorts have not lived their D30 yet.
        </p>
      </form>
      <h2>Revenue per install</h2>
      <Section
        load={data}
        minHeight={300}
        isEmpty={() => lines.length === 0}
        empty={<>No installs between {from} and {to}. Pick earlier install days, or check that the SDK sends installs.</>}
      >
        {() => (
          <Chart
            x={days}
            time={false}
            series={lines.map<Series>((l) => ({ label: campaignName(ctx, l.campaignId), values: l.perInstall }))}
            label="Cumulative revenue per install by day since install, a line per campaign"
            xFormat={(v) => `D${v}`}
            yFormat={(v) => `$${v.toFixed(2)}`}
          />
        )}
      </Section>
      <h2>By campaign</h2>
      <Section load={data} minHeight={160} isEmpty={() => lines.length === 0} empty={<>Nothing to list yet.</>}>
        {() => (
          <SortTable
            caption={`Cumulative revenue per install, installs of ${from} to ${to}`}
            columns={columns}
            rows={lines}
            rowKey={(l) => l.campaignId ?? 'organic'}
            initial={{ key: 'installs', desc: true }}
          />
        )}
      </Section>
    </>
  );
}
