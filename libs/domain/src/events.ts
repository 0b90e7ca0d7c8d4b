import { isUuid } from './ids';
import { checkRevenue, type Revenue } from './money';

/** Event names as the contract allows them: short, no spaces, safe in a URL and a metric label. */
export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export const MAX_PROPERTIES = 50;
export const MAX_PROPERTIES_BYTES = 8192;

/** Why a properties object is refused, or undefined when it is fine. */
export function propertiesProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'properties must be a JSON object';
  if (Object.keys(value).length > MAX_PROPERTIES) return `properties must have at most ${MAX_PROPERTIES} keys`;
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json, 'utf8') > MAX_PROPERTIES_BYTES) {
    return `properties must be at most ${MAX_PROPERTIES_BYTES} bytes as JSON`;
  }
  // PostgreSQL jsonb refuses NUL and unpaired surrogates: refuse them here as a 400, not later as a 500.
  if (json.includes('\\u0000') || /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(json)) {
    return 'properties must not contain NUL characters or unpaired UTF-16 surrogates';
  }
  return undefined;
}

export type PixelQuery = Record<string, unknown>;

export interface PixelEvent {
  name: string;
  userId: string | null;
  eventId: string | null;
  clickId: string | null;
  revenue: Revenue | undefined;
  pageUrl: string | null;
  referrer: string | null;
  /** `ca=0`: the visitor refused attribution; the hit is kept but never used to match a device. */
  consentAttribution: boolean | null;
  /** `test=1`: checked like any hit and shown in health and debug, never stored as an event nor counted in reports. */
  test: boolean;
}

export type PixelRejection =
  | 'placeholder'
  | 'missing_event'
  | 'invalid_event'
  | 'event_not_allowed'
  | 'invalid_revenue'
  | 'unknown_currency'
  | 'currency_required'
  | 'negative_revenue'
  | 'invalid_event_id'
  | 'invalid_user_id'
  | 'invalid_click_id';

export type PixelParse =
  | { ok: true; event: PixelEvent }
  | { ok: false; reason: PixelRejection; name: string; message: string; test: boolean };

/** The name a rejected hit is counted under: the one sent if it is a valid name, else a marker. */
export const NO_EVENT_NAME = '(none)';
export const BAD_EVENT_NAME = '(invalid)';
/** Where hits whose event name is still the snippet's placeholder are counted. */
export const PLACEHOLDER_EVENT_NAME = '(placeholder)';

/**
 * The placeholders Lookback's own snippets carry (`GET /v1/apps/{id}/pixel`), as a marketer pastes them unedited.
 * A value equal to one of these is never a real event name, user id or amount.
 */
export const SNIPPET_PLACEHOLDERS = [
  'EVENT_NAME',
  'USER_ID',
  'REVENUE',
  'CURRENCY',
  'EVENT_ID',
  'ORDER_ID',
  'LOOKBACK_CLICK_ID',
  'PAGE_URL',
  'APP_ID',
] as const;

/**
 * Template syntax that a tag manager or CMS left unexpanded: `{{order.total}}`, `{user_id}`, `${uid}`,
 * `%%ORDER_ID%%`, `[USER_ID]`, `<EVENT_NAME>`. Such a value is a variable the page never filled.
 */
const UNFILLED_TEMPLATE = /^(?:\{\{[^{}]*\}\}|\{[^{}]*\}|\$\{[^{}]*\}|%%?[\w.-]+%%?|\[[\w.-]+\]|<[\w.-]+>)$/;

const PLACEHOLDER_PARAMS = ['e', 'uid', 'v', 'cur', 'eid', 'lcid', 'url', 'ref'] as const;

/** The first parameter of a hit that still holds a snippet placeholder or an unexpanded template, if any. */
export function placeholderIn(query: PixelQuery): { param: string; value: string } | undefined {
  for (const param of PLACEHOLDER_PARAMS) {
    const value = first(query, param);
    if (value === undefined) continue;
    if ((SNIPPET_PLACEHOLDERS as readonly string[]).includes(value) || UNFILLED_TEMPLATE.test(value)) return { param, value };
  }
  return undefined;
}

function first(query: PixelQuery, name: string): string | undefined {
  let v = query[name];
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string') return undefined;
  // NUL never means anything in a query parameter and PostgreSQL text cannot hold it.
  const t = v.replace(/\u0000/g, '').trim();
  return t === '' ? undefined : t;
}

const clip = (v: string | undefined, max: number): string | null => (v === undefined ? null : v.slice(0, max));

/**
 * What a pixel hit says, checked like an SDK event (a pixel is public: anything may arrive). `allowed` is the
 * app's `pixelEvents`; null accepts any valid name. `referer` is the request's Referer header, the page URL
 * when the snippet does not pass `url`.
 */
export function parsePixelHit(query: PixelQuery, allowed: readonly string[] | null, referer?: string): PixelParse {
  const t = first(query, 'test');
  const test = t === '1' || t === 'true';
  const reject = (reason: PixelRejection, name: string, message: string): PixelParse => ({ ok: false, reason, name, message, test });
  const name = first(query, 'e');
  // Before anything else: an unedited snippet must never become an event, whatever else it says.
  const placeholder = placeholderIn(query);
  if (placeholder) {
    const counted = placeholder.param === 'e' || name === undefined || !EVENT_NAME.test(name) ? PLACEHOLDER_EVENT_NAME : name;
    return reject(
      'placeholder',
      counted,
      `${placeholder.param} is still the placeholder ${placeholder.value}: put the real value in the snippet, or leave the parameter out`,
    );
  }
  if (name === undefined) return reject('missing_event', NO_EVENT_NAME, 'e (the event name) is missing');
  if (!EVENT_NAME.test(name)) return reject('invalid_event', BAD_EVENT_NAME, 'e must match ^[A-Za-z0-9_.:-]{1,100}$');
  if (allowed && !allowed.includes(name)) return reject('event_not_allowed', name, `the app's pixel does not accept "${name}"`);
  const revenue = checkRevenue({ name, revenue: first(query, 'v'), currency: first(query, 'cur') });
  if (!revenue.ok) {
    const param = revenue.field === 'currency' ? 'cur' : 'v';
    return reject(revenue.code as PixelRejection, name, `${param}: ${revenue.message}`);
  }
  const eventId = first(query, 'eid');
  if (eventId !== undefined && eventId.length > 128) return reject('invalid_event_id', name, 'eid must be at most 128 characters');
  const userId = first(query, 'uid');
  if (userId !== undefined && userId.length > 256) return reject('invalid_user_id', name, 'uid must be at most 256 characters');
  const clickId = first(query, 'lcid');
  if (clickId !== undefined && !isUuid(clickId)) {
    return reject('invalid_click_id', name, 'lcid must be a Lookback click id (a UUID)');
  }
  const ca = first(query, 'ca');
  return {
    ok: true,
    event: {
      name,
      userId: userId ?? null,
      eventId: eventId ?? null,
      clickId: clickId?.toLowerCase() ?? null,
      revenue: revenue.value,
      pageUrl: clip(first(query, 'url') ?? referer?.replace(/\u0000/g, '') ?? undefined, 2048),
      referrer: clip(first(query, 'ref'), 2048),
      consentAttribution: ca === '0' || ca === 'false' ? false : ca === '1' || ca === 'true' ? true : null,
      test,
    },
  };
}
