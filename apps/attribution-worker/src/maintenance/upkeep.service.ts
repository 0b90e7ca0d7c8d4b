import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { MaintenanceRepository } from '@app/database';

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
    private readonly maintenance: MaintenanceRepository,
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
    try {
      await this.maintenance.exclusively('upkeep', async () => {
        const reduced = await this.maintenance.reducePersonalData();
        const dropped = await this.maintenance.dropExpiredPartitions(this.config.retentionDays);
        if (Object.values(reduced).some((n) => n > 0) || dropped.length > 0) {
          this.logger.log(`reduced ${JSON.stringify(reduced)}; dropped partitions ${JSON.stringify(dropped)}`);
        }
      });
    } catch (err) {
      this.logger.warn(`upkeep skipped: ${(err as Error).message}`);
    }
  }
}
