// The worker's timed maintenance: what the reconciler reads (work PostgreSQL holds as pending long after it was
// written: its job lost with Redis, an enqueue that timed out, a job failed for good), partitions ahead, and the
// privacy upkeep — each run by one worker at a time.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveriesRepository, type SweptDelivery } from './deliveries.repository';
import { withAdvisoryLock } from './locks';
import { ensurePartitions } from './migrate';
import { rowsOf } from './sql';
import { dropExpiredPartitions, reducePersonalData } from './upkeep.repository';

/** A row to offer again: its id and its app (the job names both). */
export interface StaleRow {
  id: string;
  appId: string;
}

/** The advisory lock of each kind of timed work. */
const LOCKS = { reconcile: 7_346_221_907, upkeep: 7_346_221_911 } as const;

@Injectable()
export class MaintenanceRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: DeliveriesRepository,
  ) {}

  /** Runs `work` in one worker at a time (an advisory lock per kind); false when another worker is at it. */
  exclusively(kind: keyof typeof LOCKS, work: () => Promise<void>): Promise<boolean> {
    return withAdvisoryLock(this.db, LOCKS[kind], work);
  }

  /**
   * Installs still undecided, or events never processed (waiting ones are the attribution processor's to link),
   * received more than `olderThanMs` ago, oldest first.
   */
  stalePending(table: 'installs' | 'events', olderThanMs: number, limit: number): Promise<StaleRow[]> {
    return this.stale(
      `SELECT id, app_id FROM ${table} WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY received_at LIMIT $2`,
      olderThanMs,
      limit,
    );
  }

  /** Deliveries pending without change for `olderThanMs` and not held by a lease, oldest first. */
  staleDeliveries(olderThanMs: number, limit: number): Promise<StaleRow[]> {
    return this.stale(
      `SELECT id, app_id FROM deliveries
        WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
          AND (locked_until IS NULL OR locked_until < now())
        ORDER BY updated_at LIMIT $2`,
      olderThanMs,
      limit,
    );
  }

  /** Attempts a dead worker left open, judged (see sweepInterruptedDeliveries). */
  sweepInterrupted(limit: number): Promise<SweptDelivery[]> {
    return this.outbox.sweepInterrupted({ limit });
  }

  /** Time partitions ahead for every partitioned table. */
  ensurePartitions(): Promise<void> {
    return ensurePartitions(this.db);
  }

  /** IPs and User-Agents reduced once no fingerprint window can use them (see reducePersonalData). */
  reducePersonalData(): Promise<Record<string, number>> {
    return reducePersonalData(this.db);
  }

  /** Raw rows older than `days` dropped, whole partitions at a time (see dropExpiredPartitions). */
  dropExpiredPartitions(days: number): Promise<string[]> {
    return dropExpiredPartitions(this.db, days);
  }

  private async stale(sql: string, olderThanMs: number, limit: number): Promise<StaleRow[]> {
    const rows = await rowsOf<{ id: string; app_id: string }>(this.db, sql, [olderThanMs, limit]);
    return rows.map((r) => ({ id: r.id, appId: r.app_id }));
  }
}
