import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { isUuid } from '@app/domain';
import type { SdkSecretResolver } from '@app/http';

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

const MAX_ENTRIES = 50_000;

/** A read-through cache with a short TTL; unknown ids are cached too, so junk ids cannot hammer PostgreSQL. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V | undefined; expires: number }>();
  private readonly loading = new Map<string, Promise<V | undefined>>();

  constructor(private readonly ttlMs: number) {}

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const p = load()
      .catch((err: unknown) => {
        // Storage is down: a known entry, even expired, beats failing a click.
        if (hit) return hit.value;
        throw err;
      })
      .then((value) => {
        if (this.ttlMs > 0) {
          if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
          this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
        }
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }
}

/**
 * What ingestion needs to know about apps and campaigns, served from memory. A change made in the admin
 * API reaches ingestion within CACHE_TTL_MS (default 5 s).
 */
@Injectable()
export class CatalogService implements SdkSecretResolver {
  private readonly campaigns: TtlCache<CampaignView>;
  private readonly apps: TtlCache<AppView>;
  private readonly fx: TtlCache<Map<string, string>>;

  constructor(
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
  ) {
    this.campaigns = new TtlCache(config.cacheTtlMs);
    this.apps = new TtlCache(config.cacheTtlMs);
    this.fx = new TtlCache(config.cacheTtlMs);
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
