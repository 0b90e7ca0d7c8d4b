import { Inject, Injectable } from '@nestjs/common';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { CatalogRepository, FxRatesRepository, GroupCommitWriter, type CampaignRow, type TrackedAppRow } from '@app/database';
import { isUuid } from '@app/domain';
import { metrics, type SdkSecretResolver } from '@app/http';
import { CatalogCache } from './catalog.cache';

export type CampaignView = CampaignRow;
export type AppView = TrackedAppRow;

/**
 * Bounds of each cache. Known entries are few (an app's campaigns) and small; unknown ids are whatever a client
 * makes up, kept only so a repeated junk id does not reach PostgreSQL every time.
 */
const LIMITS = { known: 100_000, unknown: 50_000 };

/**
 * Cache misses of concurrent hits are read in one statement per batch (the group-commit batcher, used for reads):
 * under a flood of made-up ids PostgreSQL sees a query per batch, not one per hit.
 */
function batchedReader<V>(read: (ids: string[]) => Promise<Map<string, V>>): GroupCommitWriter<string, V | undefined> {
  return new GroupCommitWriter(
    async (ids) => {
      const found = await read([...new Set(ids)]);
      return ids.map((id) => found.get(id));
    },
    // A failed read fails every id alike (PostgreSQL is away): no id is read again alone; the cache serves stale.
    { maxRows: 500, maxInFlight: 2, retryAlone: () => false },
  );
}

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
  private readonly campaignReader: GroupCommitWriter<string, CampaignView | undefined>;
  private readonly appReader: GroupCommitWriter<string, AppView | undefined>;

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly fxRates: FxRatesRepository,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
  ) {
    const stale = (what: string) => () => metrics.catalogStale.inc({ what });
    this.campaigns = new CatalogCache(config.cacheTtlMs, LIMITS, stale('campaign'));
    this.apps = new CatalogCache(config.cacheTtlMs, LIMITS, stale('app'));
    this.fx = new CatalogCache(config.cacheTtlMs, { known: 1, unknown: 1 }, stale('fx_rates'));
    this.campaignReader = batchedReader((ids) => this.catalog.campaigns(ids));
    this.appReader = batchedReader((ids) => this.catalog.apps(ids));
  }

  /** US dollars per unit of a currency as a decimal string, or undefined when no rate is set for it. */
  async usdPerUnit(currency: string): Promise<string | undefined> {
    const rates = await this.fx.get('all', async () => new Map((await this.fxRates.list()).map((r) => [r.currency, r.usdPerUnit])));
    return rates?.get(currency);
  }

  campaign(id: string): Promise<CampaignView | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    const key = id.toLowerCase();
    return this.campaigns.get(key, () => this.campaignReader.write(key));
  }

  app(id: string): Promise<AppView | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    const key = id.toLowerCase();
    return this.apps.get(key, () => this.appReader.write(key));
  }

  async sdkSecret(appId: string): Promise<string | undefined> {
    return (await this.app(appId))?.sdkSecret;
  }
}
