import { LRUCache } from 'lru-cache';

const MACRO = /\{([a-z_]+)\}/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Fills `{name}` placeholders with URL-encoded values, as plain text with no URL rules. Unknown placeholders
 * are left as written (an ad network may use braces of its own); absent values become empty strings.
 */
export function fillMacros(template: string, values: Record<string, string | number | null | undefined>): string {
  return template.replace(MACRO, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) return whole;
    const v = values[name];
    // encodeURIComponent throws on a lone surrogate; it can only have been U+FFFD in UTF-8 anyway.
    return v === null || v === undefined ? '' : encodeURIComponent(String(v).replace(LONE_SURROGATE, '\ufffd'));
  });
}

/** The parts of a URL that decide where it leads: no macro may be filled there. */
export type OriginPart = 'scheme' | 'userinfo' | 'host' | 'port';

export type UrlTemplateProblem =
  | { kind: 'not_a_url' }
  | { kind: 'macro_in_origin'; macro: string; part: OriginPart }
  | { kind: 'origin_changed' };

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * Scheme, user info, host and port: what must be the same whatever the macros hold. `URL.origin` is not
 * enough: it is "null" for `market:` and `itms-apps:` and leaves out the user info.
 */
function originKey(url: URL): string {
  return `${url.protocol}//${url.username}:${url.password}@${url.host}`;
}

/** The template with occurrence `at` of a placeholder filled by `probe` and every other one by `rest`. */
function probeFill(template: string, at: number, probe: string, rest: string): string {
  let i = 0;
  return template.replace(MACRO, () => (i++ === at ? probe : rest));
}

function differingPart(a: URL, b: URL): OriginPart | undefined {
  if (a.protocol !== b.protocol) return 'scheme';
  if (a.username !== b.username || a.password !== b.password) return 'userinfo';
  if (a.hostname !== b.hostname) return 'host';
  if (a.port !== b.port) return 'port';
  return undefined;
}

// Letters pass in a scheme, user info and host; digits are what a port can hold. A placeholder sits in the
// origin when two probe values of one kind give two origins, or one parses and the other does not.
// An absent value fills nothing, which can join the text around it into a new authority (`market:{gaid}//x`).
const PROBES: readonly (readonly [string, string])[] = [
  ['lbmacroa', 'lbmacrob'],
  ['1', '2'],
  ['', 'lbmacroa'],
];
const REST = 'lbmacroa';

/**
 * Why a URL template is unsafe or unusable, or undefined when it is fine: it must be an absolute URL once its
 * placeholders are filled, and no placeholder may sit in its scheme, user info, host or port — otherwise the
 * value (a clicker's `click_id`) would choose where the redirect or postback goes.
 */
export function urlTemplateProblem(template: string): UrlTemplateProblem | undefined {
  const names = [...template.matchAll(MACRO)].map((m) => m[1]);
  for (let at = 0; at < names.length; at++) {
    for (const [p, q] of PROBES) {
      const a = parse(probeFill(template, at, p, REST));
      const b = parse(probeFill(template, at, q, REST));
      // One value parses and the other does not: only where the URL is decided (an IPv6 literal, a port).
      const part = a && b ? differingPart(a, b) : a || b ? 'host' : undefined;
      if (part) return { kind: 'macro_in_origin', macro: names[at], part };
    }
  }
  return parse(probeFill(template, -1, REST, REST)) ? undefined : { kind: 'not_a_url' };
}

/** What a template's origin is, once checked; the same template is checked once per process, not per click. */
type Checked = { ok: true; origin: string } | { ok: false; problem: UrlTemplateProblem };
const checkedTemplates = new LRUCache<string, Checked>({ max: 10_000 });

function check(template: string): Checked {
  let checked = checkedTemplates.get(template);
  if (!checked) {
    const problem = urlTemplateProblem(template);
    checked = problem ? { ok: false, problem } : { ok: true, origin: originKey(parse(probeFill(template, -1, REST, REST))!) };
    checkedTemplates.set(template, checked);
  }
  return checked;
}

export type UrlExpansion = { ok: true; url: string } | { ok: false; problem: UrlTemplateProblem };

/**
 * A URL template with its macros filled (URL-encoded), or the reason it may not be used: a placeholder in the
 * scheme, user info, host or port (possible only in rows saved before templates were checked), or an expanded
 * URL whose origin is not the template's. Either way the caller must not redirect to it or call it.
 */
export function expandMacros(template: string, values: Record<string, string | number | null | undefined>): UrlExpansion {
  const checked = check(template);
  if (!checked.ok) return checked;
  const url = fillMacros(template, values);
  const parsed = parse(url);
  // Encoded values hold no `/ ? # @ : \`, so this cannot happen; it is checked so that it provably does not.
  if (!parsed || originKey(parsed) !== checked.origin) {
    return { ok: false, problem: { kind: 'origin_changed' } };
  }
  return { ok: true, url };
}

/** A sentence for a person about what is wrong with the template in `field`. */
export function describeUrlTemplateProblem(field: string, problem: UrlTemplateProblem): string {
  if (problem.kind === 'not_a_url') return `${field} must be an absolute URL once its macros are filled.`;
  if (problem.kind === 'origin_changed') return `${field} leads to another origin once its macros are filled.`;
  return `${field} puts {${problem.macro}} in its ${problem.part}: macros may fill only the path, query and fragment, never the scheme, user info, host or port.`;
}

export const POSTBACK_MACROS = [
  'click_id',
  'lookback_click_id',
  'install_id',
  'campaign_id',
  'app_id',
  'event_name',
  'revenue',
  'currency',
  'revenue_usd',
  'gaid',
  'idfa',
  'match_type',
  'install_time',
] as const;

export const DESTINATION_MACROS = ['lookback_click_id', 'click_id', 'campaign_id'] as const;
