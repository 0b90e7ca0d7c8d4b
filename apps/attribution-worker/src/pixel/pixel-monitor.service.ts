import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { PixelRepository, type MonitoredApp, type PixelJudgement } from '@app/database';
import { REJECTED_WINDOW_MINUTES, judgePixelEvent, pixelAlert, uuidv7 } from '@app/domain';
import { Ticker, metrics } from '@app/http';
import { DELIVERY_QUEUE, enqueueDeliveries } from '@app/queues';

export interface MonitorAlert {
  appId: string;
  event: string;
  kind: 'silent' | 'rejecting' | 'recovered';
  deliveryId: string;
}

/**
 * Watches each app's pixel from the per-minute hit counters ingestion already keeps (no scan of events): a
 * watched event with no accepted hit for `silentAfterMinutes`, or with too many rejected hits over 15 minutes,
 * owes one signed alert, and one more when it recovers. The judged state is stored, and the alert written to the
 * outbox in the same transaction (rows locked per app), so two workers or a crash never send one twice.
 */
@Injectable()
export class PixelMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('pixel-monitor');
  private readonly ticker: Ticker;

  constructor(
    private readonly pixel: PixelRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {
    this.ticker = new Ticker(config.pixelMonitorEveryMs, () =>
      this.check(new Date()).catch((err: Error) => this.logger.warn(`pixel monitor skipped: ${err.message}`)),
    );
  }

  onApplicationBootstrap(): void {
    this.ticker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ticker.stop();
  }

  /** Judges every watched event of every monitored app at `now` (a parameter, so tests and replays set the clock). */
  async check(now: Date): Promise<MonitorAlert[]> {
    const alerts: MonitorAlert[] = [];
    for (const app of await this.pixel.monitoredApps()) alerts.push(...(await this.checkApp(app, now)));
    if (alerts.length > 0) {
      const queued = await enqueueDeliveries(this.deliveries, this.config, alerts);
      if (!queued) metrics.enqueueFailures.inc({ queue: DELIVERY_QUEUE }, alerts.length);
    }
    return alerts;
  }

  private checkApp(app: MonitoredApp, now: Date): Promise<MonitorAlert[]> {
    const m = app.monitor;
    return this.pixel.judge(app.id, m.events, now, REJECTED_WINDOW_MINUTES, (previous, counters) => {
      const judgement: PixelJudgement<MonitorAlert[]> = { states: [], alerts: [], result: [] };
      for (const event of m.events) {
        const before = previous.get(event);
        const c = counters.get(event);
        const watchedSince = before?.watched_since ?? now;
        const judged = judgePixelEvent(
          m,
          {
            lastAcceptedAt: c?.last_accepted_at ? c.last_accepted_at.getTime() : null,
            accepted: Number(c?.accepted ?? 0),
            rejected: Number(c?.rejected ?? 0),
            watchedSince: watchedSince.getTime(),
          },
          now.getTime(),
        );
        const kind = pixelAlert(before?.state ?? 'firing', judged.state);
        const since = kind === null && before ? before.since : now;
        judgement.states.push({ event, state: judged.state, since, watchedSince, detail: judged.detail });
        if (kind === null) continue;
        const id = uuidv7();
        const body = JSON.stringify({ appId: app.id, event, kind, since: since.toISOString(), detail: judged.detail });
        judgement.alerts.push({ id, url: m.webhookUrl, body });
        judgement.result.push({ appId: app.id, event, kind, deliveryId: id });
      }
      return judgement;
    });
  }
}
