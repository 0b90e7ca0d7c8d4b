import { waitFor } from './http';
import type { Stack } from './stack';

/** What the fixtures need of a stack: also met by the compiled processes a suite spawns itself. */
export type StackUrls = Pick<Stack, 'admin' | 'ingestionUrl'>;

export interface Fixture {
  appId: string;
  sdkSecret: string;
  networkId: string;
  campaignId: string;
  trackingUrl: string;
}

/** An app, a network posting back to `postbackUrl`, and an active campaign. */
export async function createFixture(
  stack: StackUrls,
  opts: {
    postbackUrl?: string;
    campaign?: Record<string, unknown>;
    app?: Record<string, unknown>;
    network?: Record<string, unknown>;
  } = {},
): Promise<Fixture> {
  const app = await stack.admin('POST', '/v1/apps', {
    name: 'Gems',
    platform: 'android',
    bundleId: 'com.example.gems',
    ...opts.app,
  });
  if (app.status !== 201) throw new Error(`create app: ${app.status} ${JSON.stringify(app.body)}`);
  const network = await stack.admin('POST', '/v1/networks', {
    name: 'AdNet',
    ...(opts.postbackUrl ? { installPostbackUrl: opts.postbackUrl } : {}),
    ...opts.network,
  });
  if (network.status !== 201) throw new Error(`create network: ${network.status} ${JSON.stringify(network.body)}`);
  const campaign = await stack.admin('POST', '/v1/campaigns', {
    appId: app.body.id,
    networkId: network.body.id,
    name: 'Winter',
    destinationUrl: 'https://play.google.com/store/apps/details?id=com.example.gems&referrer=lookback_click_id%3D{lookback_click_id}',
    ...opts.campaign,
  });
  if (campaign.status !== 201) throw new Error(`create campaign: ${campaign.status} ${JSON.stringify(campaign.body)}`);
  return {
    appId: app.body.id,
    sdkSecret: app.body.sdkSecret,
    networkId: network.body.id,
    campaignId: campaign.body.id,
    trackingUrl: campaign.body.trackingUrl,
  };
}

/** Follows a tracking link like a phone's browser would not: answers the click's redirect target. */
export async function click(stack: StackUrls, campaignId: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.ingestionUrl}/c/${campaignId}?${query}`, { redirect: 'manual', headers });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

export function clickIdFrom(location: string): string {
  const decoded = decodeURIComponent(new URL(location).searchParams.get('referrer') ?? '');
  const id = new URLSearchParams(decoded).get('lookback_click_id');
  if (!id) throw new Error(`no lookback_click_id in ${location}`);
  return id;
}

/** The install as the admin API shows it, once the worker has decided it. */
export function decidedInstall(stack: StackUrls, id: string) {
  return waitFor(async () => {
    const r = await stack.admin('GET', `/v1/installs/${id}`);
    return r.status === 200 && r.body.status !== 'pending' ? r.body : undefined;
  }, `decision of install ${id}`);
}
