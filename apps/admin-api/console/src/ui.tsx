// Shared pieces: loading that reserves its space, errors and empty states that say what to do, a sortable table, a chart.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError } from './api';

export type Load<T> =
  | { state: 'loading'; data?: T; reload: () => void }
  | { state: 'ok'; data: T; reload: () => void }
  | { state: 'error'; error: ApiError; data?: T; reload: () => void };

/** Runs `fn` whenever `deps` change; a stale answer (deps changed meanwhile) is dropped. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Load<T> {
  const [tick, setTick] = useState(0);
  const [s, set] = useState<{ state: 'loading' | 'ok' | 'error'; data?: T; error?: ApiError }>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    set((prev) => ({ state: 'loading', data: prev.data }));
    fn().then(
      (data) => live && set({ state: 'ok', data }),
      (e: unknown) => live && set({ state: 'error', error: e instanceof ApiError ? e : new ApiError(0, 'client', String(e)) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = () => setTick((t) => t + 1);
  return { ...s, reload } as Load<T>;
}

/** What to do about an error, in a sentence. */
export function advice(e: ApiError): string {
  if (e.status === 0) return 'Check your connection and that the admin API is running, then retry.';
  if (e.status === 401) return 'Your API key was refused: sign in again with a valid key.';
  if (e.status === 403) return 'This API key lacks the permission: ask an owner for a key with the right scope.';
  if (e.status === 404) return 'Nothing with that id is visible to this key: check the id and the selected app.';
  if (e.status === 429) return 'Too many requests with this key: wait a moment, then retry.';
  if (e.status >= 500) return 'The server could not answer now (a database or Redis may be down): retry shortly.';
  return e.field ? `Fix “${e.field}” and try again.` : 'Fix the input and try again.';
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <strong>{error.message}</strong>
      <p>{advice(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="notice empty">{children}</div>;
}

/**
 * Loading, error, empty or the content, always in a box of at least `minHeight`, so nothing below jumps when the
 * data arrives. While reloading, the last data stays on screen, dimmed.
 */
export function Section<T>({
  load,
  minHeight = 160,
  isEmpty,
  empty,
  children,
}: {
  load: Load<T>;
  minHeight?: number;
  isEmpty?: (d: T) => boolean;
  empty?: ComponentChildren;
  children: (d: T) => ComponentChildren;
}) {
  let body: ComponentChildren;
  if (load.state === 'error') body = <ErrorBox error={load.error} retry={load.reload} />;
  else if (load.data === undefined) body = <div class="skeleton" aria-hidden="true" />;
  else if (isEmpty?.(load.data)) body = <Empty>{empty}</Empty>;
  else body = children(load.data);
  return (
    <div class={`section${load.state === 'loading' && load.data !== undefined ? ' stale' : ''}`} style={{ minHeight }} aria-busy={load.state === 'loading'}>
      {body}
    </div>
  );
}

export interface Column<R> {
  key: string;
  label: string;
  /** The value sorted on (and put in data-value for tests and screen readers' sake). */
  value: (r: R) => number | string | null;
  render?: (r: R) => ComponentChildren;
  numeric?: boolean;
}

/** A table sorted by any column: the header cells are buttons, so it sorts from the keyboard too. */
export function SortTable<R>({
  columns,
  rows,
  rowKey,
  initial,
  caption,
  foot,
}: {
  columns: Column<R>[];
  rows: R[];
  rowKey: (r: R) => string;
  initial?: { key: string; desc: boolean };
  caption?: string;
  foot?: ComponentChildren;
}) {
  const [sort, setSort] = useState(initial ?? { key: columns[0].key, desc: false });
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.key === sort.key) ?? columns[0];
    const out = [...rows].sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (sort.desc ? -1 : 1);
    });
    return out;
  }, [rows, sort, columns]);
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption ?? 'table'}>
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                class={c.numeric ? 'num' : undefined}
                aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              >
                <button type="button" onClick={() => setSort({ key: c.key, desc: sort.key === c.key ? !sort.desc : c.numeric === true })}>
                  {c.label}
                  <span class="arrow" aria-hidden="true">
                    {sort.key === c.key ? (sort.desc ? '▼' : '▲') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={rowKey(r)} data-row={rowKey(r)}>
              {columns.map((c) => {
                const v = c.value(r);
                return (
                  <td key={c.key} class={c.numeric ? 'num' : undefined} data-col={c.key} data-value={v === null ? '' : String(v)}>
                    {c.render ? c.render(r) : v === null ? '—' : String(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
        {foot}
      </table>
    </div>
  );
}

export const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#65a30d', '#4b5563', '#c026d3'];

export interface Series {
  label: string;
  values: (number | null)[];
}

/**
 * A line chart (uPlot: a few dozen KB, canvas, fast on a phone). Its box has a fixed height, so the page does not
 * move when it draws; it follows its container's width.
 */
export function Chart({
  x,
  series,
  time = true,
  height = 260,
  label,
  yFormat,
  xFormat,
}: {
  x: number[];
  series: Series[];
  time?: boolean;
  height?: number;
  label: string;
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: { x: { time } },
      // Reports are by UTC day: label the axis in UTC, not the viewer's zone.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        {
          values: xFormat ? (_u, vals) => vals.map((v) => xFormat(v)) : undefined,
          // Days at the finest: the data is daily, hour ticks would only be noise.
          incrs: time ? [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400, 91 * 86_400] : undefined,
          stroke: '#6b7280',
          grid: { stroke: '#e5e7eb' },
        },
        { values: yFormat ? (_u, vals) => vals.map((v) => yFormat(v)) : undefined, stroke: '#6b7280', grid: { stroke: '#e5e7eb' }, size: 64 },
      ],
      series: [
        {},
        ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: x.length < 40 }, spanGaps: true })),
      ],
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, time, height]);
  return <div class="chart" ref={box} role="img" aria-label={label} style={{ minHeight: height + 40 }} />;
}
