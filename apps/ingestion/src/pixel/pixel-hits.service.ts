import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { metrics } from '@app/http';

const FLUSH_EVERY_MS = 1000;
/** Counters kept while PostgreSQL is away; beyond this, new keys are dropped (counts, never events). */
const MAX_KEYS = 50_000;

interface Count {
  appId: string;
  minute: Date;
  name: string;
  /** `test`: a `test=1` hit, valid (no reason) or not (the reason it would have been rejected for). */
  outcome: 'accepted' | 'rejected' | 'test';
  reason: string;
  hits: number;
  lastAt: Date;
}

/**
 * Pixel hits per app, event name, minute and outcome. A hit only bumps a counter in memory; once a second the
 * counters go to `pixel_hits` in one upsert, so a burst of hits costs one statement, not one per hit. A crash
 * loses at most a second of counts (the accepted events themselves are committed before the GIF is sent).
 */
@Injectable()
export class PixelHits implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('pixel-hits');
  private counts = new Map<string, Count>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  count(appId: string, name: string, outcome: Count['outcome'], reason = ''): void {
    metrics.pixelHits.inc({ outcome, reason: reason || 'none' });
    const now = new Date();
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const key = `${appId}\u0000${minute.getTime()}\u0000${name}\u0000${outcome}\u0000${reason}`;
    const c = this.counts.get(key);
    if (c) {
      c.hits++;
      c.lastAt = now;
    } else if (this.counts.size < MAX_KEYS) {
      this.counts.set(key, { appId, minute, name, outcome, reason, hits: 1, lastAt: now });
    }
  }

  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    try {
      await this.db.query(
        `INSERT INTO pixel_hits (app_id, minute, event_name, outcome, reason, hits, last_at)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[])
         ON CONFLICT (app_id, minute, event_name, outcome, reason)
         DO UPDATE SET hits = pixel_hits.hits + EXCLUDED.hits, last_at = greatest(pixel_hits.last_at, EXCLUDED.last_at)`,
        [
          batch.map((c) => c.appId),
          batch.map((c) => c.minute),
          batch.map((c) => c.name),
          batch.map((c) => c.outcome),
          batch.map((c) => c.reason),
          batch.map((c) => c.hits),
          batch.map((c) => c.lastAt),
        ],
      );
    } catch (err) {
      // Put the counts back to be written with the next flush.
      for (const c of batch) {
        const key = `${c.appId}\u0000${c.minute.getTime()}\u0000${c.name}\u0000${c.outcome}\u0000${c.reason}`;
        const now = this.counts.get(key);
        if (now) {
          now.hits += c.hits;
          if (c.lastAt > now.lastAt) now.lastAt = c.lastAt;
        } else if (this.counts.size < MAX_KEYS) this.counts.set(key, c);
      }
      this.logger.warn(`pixel hit counts not written yet: ${(err as Error).message}`);
    }
  }
}
