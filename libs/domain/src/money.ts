/**
 * Money without floats: amounts are decimal strings, arithmetic is on BigInt scaled integers. JSON numbers
 * arrive as JS numbers; their shortest round-trip form is the decimal the client wrote (for up to 15
 * significant digits), which is why `decimalFromNumber` is the only place a number becomes money.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Most significant digits a revenue may carry: beyond 15 a JS number no longer round-trips what was sent. */
export const MAX_SIGNIFICANT_DIGITS = 15;

interface Scaled {
  units: bigint;
  scale: number;
}

function scaled(decimal: string): Scaled {
  const m = DECIMAL.exec(decimal);
  if (!m) throw new RangeError(`not a decimal: ${decimal}`);
  const fraction = m[3] ?? '';
  const units = BigInt(`${m[2]}${fraction}`);
  return { units: m[1] ? -units : units, scale: fraction.length };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Trailing fraction zeros dropped (`5.389200` → `5.3892`): how a numeric column's value goes out in a URL. */
export function trimDecimal(value: string): string {
  const { units, scale } = scaled(value);
  return format(units, scale);
}

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/**
 * The decimal a JSON number was written as, or undefined for NaN, infinities and numbers with more
 * significant digits than a double keeps (those could not be stored "exactly as sent").
 */
export function decimalFromNumber(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Object.is(value, -0)) return '0';
  const text = String(value);
  const exp = /^(-)?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  let out: string;
  if (exp) {
    const digits = `${exp[2]}${exp[3] ?? ''}`;
    const pointAt = 1 + Number(exp[4]);
    const body =
      pointAt <= 0
        ? `0.${'0'.repeat(-pointAt)}${digits}`
        : pointAt >= digits.length
          ? `${digits}${'0'.repeat(pointAt - digits.length)}`
          : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
    out = `${exp[1] ?? ''}${body}`;
  } else {
    out = text;
  }
  const significant = out.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > MAX_SIGNIFICANT_DIGITS) return undefined;
  return out;
}

/** A decimal written as text (`4.99`, `-1`, `.5` is refused), normalized (`+`-free, leading zeros dropped). */
export function decimalFromText(text: string): string | undefined {
  const m = /^(-)?0*(\d+?)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const out = `${m[1] ?? ''}${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}`;
  const significant = out.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > MAX_SIGNIFICANT_DIGITS) return undefined;
  return out;
}

/** a × b, exact, rounded half away from zero to `places` decimals. */
export function multiplyDecimal(a: string, b: string, places: number): string {
  const x = scaled(a);
  const y = scaled(b);
  const product = x.units * y.units;
  const scale = x.scale + y.scale;
  if (scale <= places) return format(product * 10n ** BigInt(places - scale), places);
  const divisor = 10n ** BigInt(scale - places);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  let q = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) q += 1n;
  return format(negative ? -q : q, places);
}

/** Revenue in US dollars, to the cent's ten-thousandth: enough for micro-transactions summed in reports. */
export const USD_PLACES = 6;

export function toUsd(amount: string, usdPerUnit: string): string {
  return multiplyDecimal(amount, usdPerUnit, USD_PLACES);
}

export function isNegativeDecimal(value: string): boolean {
  return value.startsWith('-') && !/^-0(\.0+)?$/.test(value);
}

export interface RevenueInput {
  name: string;
  /** A JSON number (SDK, S2S) or the decimal text of a query parameter (pixel); JSON null is no revenue. */
  revenue?: number | string | null;
  currency?: string | null;
}

export interface Revenue {
  revenue: string;
  currency: string;
}

/** The event name that may carry negative revenue: a refund gives money back. */
export const REFUND_EVENT = 'refund';

/**
 * Checks an event's revenue against the contract and returns it as an exact decimal, or a reason it is not
 * acceptable with the field to blame. No revenue is fine; a currency alone is allowed and ignored.
 */
export function checkRevenue(sent: RevenueInput): { ok: true; value: Revenue | undefined } | { ok: false; code: string; message: string; field: string } {
  // An SDK that serializes an unset field sends null: that is no revenue, as an absent field is.
  const input = { name: sent.name, revenue: sent.revenue ?? undefined, currency: sent.currency ?? undefined };
  if (input.currency !== undefined && !isCurrency(input.currency)) {
    return { ok: false, code: 'unknown_currency', message: 'currency must be an ISO 4217 code such as USD or EUR.', field: 'currency' };
  }
  if (input.revenue === undefined) return { ok: true, value: undefined };
  const revenue = typeof input.revenue === 'number' ? decimalFromNumber(input.revenue) : decimalFromText(input.revenue);
  if (revenue === undefined) {
    return { ok: false, code: 'invalid_revenue', message: `revenue must be a finite number with at most ${MAX_SIGNIFICANT_DIGITS} significant digits.`, field: 'revenue' };
  }
  if (Math.abs(Number(revenue)) >= 1e12) {
    return { ok: false, code: 'invalid_revenue', message: 'revenue must be below 1,000,000,000,000.', field: 'revenue' };
  }
  if (input.currency === undefined) {
    return { ok: false, code: 'currency_required', message: 'revenue needs a currency (ISO 4217, e.g. "EUR").', field: 'currency' };
  }
  if (isNegativeDecimal(revenue) && input.name !== REFUND_EVENT) {
    return { ok: false, code: 'negative_revenue', message: `Negative revenue is accepted only on "${REFUND_EVENT}" events.`, field: 'revenue' };
  }
  return { ok: true, value: { revenue, currency: input.currency } };
}

/** ISO 4217 active codes (2024), plus the precious metals and SDR that stores sometimes report. */
export const CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF ' +
    'CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD ' +
    'HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD ' +
    'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN ' +
    'PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY ' +
    'TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL XAU XAG XDR'
  ).split(' '),
);

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && CURRENCIES.has(code);
}
