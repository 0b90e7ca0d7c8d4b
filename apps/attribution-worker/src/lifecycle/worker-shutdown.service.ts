import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Worker } from 'bullmq';
import { HealthService } from '@app/http';
import { OutboundService } from '@app/outbound';

/** Jobs in progress get this long to finish when Redis answers; longer work is left to BullMQ's stalled check. */
const GRACEFUL_CLOSE_MS = 6000;
/** Reconnect errors of one queue are logged at most this often: an outage must not flood the logs. */
const ERROR_LOG_EVERY_MS = 30_000;

/**
 * Stops the BullMQ workers before anything else shuts down. With Redis there, a worker stops fetching and waits
 * for its jobs in progress; with Redis gone, BullMQ's `close()` never returns (it waits for a connection that is
 * not coming), so the workers are closed with `force` — jobs in progress still finish their PostgreSQL work,
 * since the database closes after them, and whatever they could not report to Redis is re-run from the rows.
 */
@Injectable()
export class WorkerShutdown implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly health: HealthService,
    private readonly outbound: OutboundService,
  ) {}

  private workers(): Worker[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is WorkerHost => i instanceof WorkerHost)
      .map((h) => h.worker)
      .filter((w): w is Worker => Boolean(w));
  }

  onApplicationBootstrap(): void {
    for (const worker of this.workers()) {
      let last = 0;
      worker.on('error', (err: Error) => {
        if (Date.now() - last < ERROR_LOG_EVERY_MS) return;
        last = Date.now();
        this.logger.warn(`queue ${worker.name}: ${err.message} (repeats are not logged for ${ERROR_LOG_EVERY_MS / 1000} s)`);
      });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Calls to slow partners get their short grace now, whatever order Nest runs the hooks in.
    this.outbound.beforeApplicationShutdown();
    const redisUp = (await this.health.check()).redis === 'up';
    const workers = this.workers();
    if (!redisUp) {
      this.logger.warn('stopping with Redis unreachable: queue workers closed without waiting');
      await Promise.all(workers.map((w) => w.close(true)));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), GRACEFUL_CLOSE_MS)));
    const closed = await Promise.race([Promise.all(workers.map((w) => w.close())).then(() => 'closed' as const), bounded]);
    clearTimeout(timer);
    if (closed === 'late') this.logger.warn(`queue workers still busy after ${GRACEFUL_CLOSE_MS} ms; stopping anyway`);
  }
}
