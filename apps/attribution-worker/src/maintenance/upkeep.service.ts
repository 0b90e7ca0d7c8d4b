import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { dropExpiredPartitions, reducePersonalData } from '@app/database';

const UPKEEP_LOCK = 7_346_221_911;

/**
 * Privacy by default, on schedule: IP/User-Agent reduction after the fingerprint windows and RETENTION_DAYS.
 * Like the reconciler, a timer in every worker (a Redis-kept schedule would vanish with Redis) and a PostgreSQL
 * advisory lock so one worker at a time does the work. The first run comes a minute after start.
 */
@Injectable()
export class UpkeepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('upkeep');
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    };
    this.timers = [setTimeout(tick, Math.min(60_000, this.config.upkeepEveryMs)), setInterval(tick, this.config.upkeepEveryMs)];
    for (const t of this.timers) t.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.running;
  }

  async tick(): Promise<void> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }]: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [UPKEEP_LOCK]);
      if (!locked) return;
      try {
        const reduced = await reducePersonalData(this.db);
        const dropped = await dropExpiredPartitions(this.db, this.config.retentionDays);
        if (Object.values(reduced).some((n) => n > 0) || dropped.length > 0) {
          this.logger.log(`reduced ${JSON.stringify(reduced)}; dropped partitions ${JSON.stringify(dropped)}`);
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [UPKEEP_LOCK]);
      }
    } catch (err) {
      this.logger.warn(`upkeep skipped: ${(err as Error).message}`);
    } finally {
      await runner.release();
    }
  }
}
