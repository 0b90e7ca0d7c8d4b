/** Advertising ids as the contract treats them: trimmed, lower-case, and all-zero means "none". */

const ALL_ZERO = /^[0-]+$/;

export function normalizeDeviceId(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || ALL_ZERO.test(v)) return undefined;
  return v;
}

export interface DeviceIds {
  gaid?: string;
  idfa?: string;
  idfv?: string;
  androidId?: string;
}

export function normalizeDevice(device: DeviceIds | undefined): DeviceIds {
  const out: DeviceIds = {};
  if (!device) return out;
  for (const key of ['gaid', 'idfa', 'idfv', 'androidId'] as const) {
    const v = normalizeDeviceId(device[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The Lookback click id an install's referrer names, if any (`lookback_click_id=` in a query-string referrer). */
export function referrerClickId(referrer: string | null | undefined): string | undefined {
  if (!referrer) return undefined;
  const withoutFragment = referrer.split('#')[0];
  const query = withoutFragment.includes('?') ? withoutFragment.slice(withoutFragment.indexOf('?') + 1) : withoutFragment;
  const params = new URLSearchParams(query);
  const direct = params.get('lookback_click_id')?.trim();
  if (direct) return direct.toLowerCase();
  // Some SDKs send the whole store URL, whose `referrer` parameter holds the encoded install referrer.
  const nested = params.get('referrer');
  if (nested && nested !== referrer) {
    const inner = new URLSearchParams(nested).get('lookback_click_id')?.trim();
    if (inner) return inner.toLowerCase();
  }
  return undefined;
}
