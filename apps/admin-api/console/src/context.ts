import type { App, Campaign, Named } from './api';

/** What every page gets: the selected app and names for the ids the reports carry. */
export interface Ctx {
  app: App;
  campaigns: Map<string, Campaign>;
  networks: Map<string, Named>;
}

export const campaignName = (ctx: Ctx, id: string | null): string =>
  id === null ? 'Organic' : (ctx.campaigns.get(id)?.name ?? `campaign ${id.slice(0, 8)}`);
export const networkName = (ctx: Ctx, id: string | null): string =>
  id === null ? '—' : (ctx.networks.get(id)?.name ?? `network ${id.slice(0, 8)}`);
