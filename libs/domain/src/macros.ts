/**
 * Fills `{name}` placeholders in a URL template with URL-encoded values. Unknown placeholders are left
 * as written (an ad network may use braces of its own); absent values become empty strings.
 */
export function expandMacros(template: string, values: Record<string, string | number | null | undefined>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) return whole;
    const v = values[name];
    return v === null || v === undefined ? '' : encodeURIComponent(String(v));
  });
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
