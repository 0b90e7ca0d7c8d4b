import { LRUCache } from 'lru-cache';

export interface CatalogCacheLimits {
  /** Ids that exist: campaigns or apps that can serve traffic. */
  known: number;
  /** Ids PostgreSQL said it does not have. */
  unknown: number;
}

/**
 * A read-through cache of catalog rows that keeps what exists apart from what does not. Known ids and unknown
 * ids live in two bounded LRUs, so a flood of made-up ids only ever evicts other made-up ids, never a campaign
 * that is serving clicks. A known entry past its TTL is read again; when that read fails (PostgreSQL down), the
 * last value read is served instead, for as long as the outage lasts: a live campaign keeps redirecting.
 */
export class CatalogCache<V extends object> {
  private readonly known: LRUCache<string, { value: V; loadedAt: number }>;
  private readonly unknown: LRUCache<string, true>;
  private readonly loading = new Map<string, Promise<V | undefined>>();

  constructor(
    /** How long an entry is served without reading it again; 0 reads every time (still keeping the last value). */
    private readonly ttlMs: number,
    limits: CatalogCacheLimits,
    /** Called each time a stale value is served because the read failed. */
    private readonly onStale: () => void = () => {},
  ) {
    this.known = new LRUCache({ max: limits.known });
    // Without a TTL there is nothing to expire: an id unknown now may be created a moment later.
    this.unknown = new LRUCache({ max: limits.unknown, ...(ttlMs > 0 ? { ttl: ttlMs } : {}) });
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.known.get(key);
    if (hit && Date.now() - hit.loadedAt < this.ttlMs) return hit.value;
    if (!hit && this.ttlMs > 0 && this.unknown.get(key)) return undefined;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const p = load()
      .then(
        (value) => {
          if (value === undefined) {
            this.known.delete(key);
            if (this.ttlMs > 0) this.unknown.set(key, true);
          } else {
            this.unknown.delete(key);
            this.known.set(key, { value, loadedAt: Date.now() });
          }
          return value;
        },
        (err: unknown) => {
          // Storage is down: the last known value, however old, beats failing a click.
          const last = this.known.get(key);
          if (!last) throw err;
          this.onStale();
          return last.value;
        },
      )
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  get size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }
}
