import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { isUuid } from '@app/domain';
import { metrics, type SdkSecretResolver } from '@app/http';
import { CatalogCache } from './catalog.cache';

export interface CampaignView {
  id: string;
  appId: string;
  status: 'active' | 'paused' | 'archived';
  destinationUrl: string;
}

export interface AppView {
  id: string;
  sdkSecret: string;
  pixelEvents: string[] | null;
}

/**
 * Bounds of each cache. Known entries are few (an app's campaigns) and small; unknown ids are whatever a client
 * makes up, kept only so a repeated junk id does not reach PostgreSQL every time.
 */
const LIMITS = { known: 100_000, unknown: 50_000 };

/**
 * What ingestion needs to know about apps and campaigns, served from memory. A change made in the admin
 * API reaches ingestion within CACHE_TTL_MS (default 5 s); while PostgreSQL is down, the last value read is
 * served (see CatalogCache).
 */
@Injectable()
export class CatalogService implements SdkSecretResolver {
  private readonly campaigns: CatalogCache<CampaignView>;
  private readonly apps: CatalogCache<AppView>;
  private readonly fx: CatalogCache<Map<string, string>>;

  constructor(
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
  ) {
    const stale = (what: string) => () => metrics.catalogStale.inc({ what });
    this.campaigns = new CatalogCache(config.cacheTtlMs, LIMITS, stale('campaign'));
    this.apps = new CatalogCache(config.cacheTtlMs, LIMITS, stale('app'));
    this.fx = new CatalogCache(config.cacheTtlMs, { known: 1, unknown: 1 }, stale('fx_rates'));
  }

  /** US dollars per unit of a currency as a decimal string, or undefined when no rate is set for it. */
  async usdPerUnit(currency: string): Promise<string | undefined> {
    const rates = await this.fx.get('all', async () => {
      const rows: { currency: string; usd_per_unit: string }[] = await this.db.query(
        'SELECT currency, usd_per_unit::text AS usd_per_unit FROM fx_rates',
      );
      return new Map(rows.map((r) => [r.currency, r.usd_per_unit]));
    });
    return rates?.get(currency);
  }

  campaign(id: string): Promise<CampaignView | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    const key = id.toLowerCase();
    return this.campaigns.get(key, async () => {
      const rows: { id: string; app_id: string; status: CampaignView['status']; destination_url: string }[] =
        await this.db.query('SELECT id, app_id, status, destination_url FROM campaigns WHERE id = $1', [key]);
      const r = rows[0];
      return r && { id: r.id, appId: r.app_id, status: r.status, destinationUrl: r.destination_url };
    });
  }

  app(id: string): Promise<AppView | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    const key = id.toLowerCase();
    return this.apps.get(key, async () => {
      const rows: { id: string; sdk_secret: string; pixel_events: string[] | null }[] = await this.db.query(
        'SELECT id, sdk_secret, pixel_events FROM apps WHERE id = $1',
        [key],
      );
      const r = rows[0];
      return r && { id: r.id, sdkSecret: r.sdk_secret, pixelEvents: r.pixel_events };
    });
  }

  async sdkSecret(appId: string): Promise<string | undefined> {
    return (await this.app(appId))?.sdkSecret;
  }
}
