// How figures read in the console. Kept pure so the browser tests can compare what is shown with the API's numbers.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US');

export const money = (v: number | string | null | undefined): string => (v === null || v === undefined ? '—' : usd.format(Number(v)));
export const count = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : int.format(v));
export const ratio = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
/** ROAS reads as a multiple of spend: 4.32×. */
export const times = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${v.toFixed(2)}×`);

export function when(v: string | Date | null | undefined): string {
  if (!v) return '—';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** A click-to-install time as a person says it: 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const today = (): string => new Date().toISOString().slice(0, 10);
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
/** Inclusive UTC days [from, to] as the API's half-open instant range [from, to + 1 day). */
export function range(from: string, to: string): { from: string; to: string } {
  return { from: `${from}T00:00:00Z`, to: `${addDays(to, 1)}T00:00:00Z` };
}

export const short = (id: string | null | undefined): string => (id ? id.slice(0, 8) : '—');
