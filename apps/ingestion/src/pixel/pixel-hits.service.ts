import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PixelRepository, type PixelHitCount } from '@app/database';
import { metrics } from '@app/http';

const FLUSH_EVERY_MS = 1000;
/** Counters kept while PostgreSQL is away; beyond this, new keys are dropped (counts, never events). */
const MAX_KEYS = 50_000;

type Count = PixelHitCount;

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

  constructor(private readonly pixel: PixelRepository) {}

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
      await this.pixel.addHitCounts(batch);
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
