// Words for what the API answers in codes: match rules, why a touch lost, a delivery's last outcome.

export const RULES: Record<string, string> = {
  click_id: 'the click id in the install referrer',
  device_id: 'the same advertising id (GAID/IDFA) as a click',
  fingerprint: 'the same IP address and device model as a click',
  view_through: 'the same advertising id as an ad impression',
};

/** Why a candidate touch lost, in words. */
export const LOSS: Record<string, string> = {
  after_install: 'came after the install',
  outside_window: 'outside its campaign’s lookback window',
  lower_priority_rule: 'a stronger rule matched another touch',
  older_touch: 'a later touch of the same rule won (last touch)',
  no_consent: 'the install refused attribution consent, so no fingerprint',
  fingerprint_off: 'fingerprinting is off for this campaign',
  unknown_campaign: 'its campaign is unknown or archived',
  blocked: 'its source is on a block list',
  click_flooding: 'its campaign floods clicks (click flooding)',
  click_spam: 'its address clicked for too many devices (click spam)',
  shared_ip: 'behind a shared address a fingerprint needs a click from the last hour',
  touch_consumed: 'this click already credited another install',
  source_conversion: 'its source (campaign × site) almost never converts clicks into installs',
  source_ctit: 'its source’s click-to-install times are not people’s (all in seconds, or flat over the window)',
};

/** The last attempt's answer in a few words: its error, else its HTTP status, else nothing yet. */
export function lastOutcome(d: { lastStatusCode: number | null; lastError: string | null }): string {
  const code = d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '';
  if (d.lastError) return code && !d.lastError.includes(code) ? `${code}: ${d.lastError}` : d.lastError;
  return code || '—';
}
