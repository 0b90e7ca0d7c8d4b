// The console's only way to the data: the public admin API, same origin, with the key the user signed in with.
const KEY = 'lookback.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}
export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** An admin API error as its body names it, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Called on a 401 so the shell can ask for a key again. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

async function send(method: string, path: string, body?: unknown, key = storedKey()): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The admin API did not answer. Check that the admin process is running, then retry.');
  }
  if (res.ok) return res;
  let error: { code?: string; message?: string; field?: string } = {};
  try {
    error = ((await res.json()) as { error?: typeof error }).error ?? {};
  } catch {
    // A proxy's HTML error page: keep the status.
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiError(res.status, error.code ?? `http_${res.status}`, error.message ?? `The admin API answered ${res.status}.`, error.field);
}

export async function api<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const res = await send(method, path, body, key);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** A streamed export, saved as a file: fetched with the key (a plain link could not send it), then handed over. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await send('GET', path);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every page of a list, up to `max` items (lists are in creation order). */
export async function all<T>(path: string, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await get<Page<T>>(`${path}${sep}${query({ limit: 500, cursor: cursor ?? undefined })}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

// Shapes of the admin API, as far as the console reads them.
export interface App {
  id: string;
  name: string;
  platform: string;
  pixelEvents: string[] | null;
}
export interface Named {
  id: string;
  name: string;
}
export interface Campaign extends Named {
  appId: string;
  networkId: string;
  status: string;
}
export interface ReportRow {
  date: string | null;
  campaignId: string | null;
  networkId: string | null;
  country: string | null;
  clicks: number;
  impressions: number;
  installs: number;
  rejected: number;
  organic: number;
  events: number;
  revenueUsd: number;
  spend: number | null;
  ecpi: number | null;
  roas: number | null;
  conversionRate: number | null;
}
export interface CampaignReport {
  groupBy: string;
  rows: ReportRow[];
}
export interface CohortReport {
  days: number[];
  rows: { installDate: string; campaignId: string | null; installs: number; revenueUsd: Record<string, string> }[];
}
