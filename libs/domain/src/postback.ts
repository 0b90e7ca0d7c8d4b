/**
 * The one place a postback URL is made: install and event postbacks, live attribution and replay alike fill the
 * network's template from the same facts, so `{click_id}` or `{install_time}` can never mean two things.
 */
import { expandMacros } from './macros';
import { trimDecimal } from './money';

export interface PostbackInstall {
  /** Lookback's install id (`{install_id}`). */
  id: string;
  appId: string;
  installedAt: Date;
  gaid: string | null;
  idfa: string | null;
}

export interface PostbackAttribution {
  campaignId: string | null;
  matchType: string | null;
  touchId: string | null;
  touchKind: string | null;
  /** The ad network's own click id of the winning click (`{click_id}`). */
  networkClickId: string | null | undefined;
}

export interface PostbackEvent {
  name: string;
  revenue: string | null;
  currency: string | null;
  revenueUsd: string | null;
}

/**
 * The network's template with every postback macro filled; an install postback when `event` is absent. A template
 * that puts a macro in its scheme, user info, host or port (saved before templates were checked) is owed as
 * written, unfilled: no value can choose where it goes, and the sender refuses it with its reason
 * (`urlTemplateProblem`), so the delivery log shows the postback and why it was not sent.
 */
export function postbackUrl(
  template: string,
  install: PostbackInstall,
  attribution: PostbackAttribution,
  event?: PostbackEvent,
): string {
  const expanded = expandMacros(template, {
    click_id: attribution.networkClickId,
    lookback_click_id: attribution.touchKind === 'click' ? attribution.touchId : null,
    install_id: install.id,
    campaign_id: attribution.campaignId,
    app_id: install.appId,
    event_name: event ? event.name : 'install',
    revenue: event?.revenue ?? null,
    currency: event?.currency ?? null,
    // Stored as numeric with trailing zeros; networks expect the plain amount.
    revenue_usd: event?.revenueUsd ? trimDecimal(event.revenueUsd) : null,
    gaid: install.gaid,
    idfa: install.idfa,
    match_type: attribution.matchType,
    install_time: install.installedAt.toISOString(),
  });
  return expanded.ok ? expanded.url : template;
}
