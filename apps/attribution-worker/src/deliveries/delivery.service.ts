import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { metrics } from '@app/http';
import { OutboundService } from '@app/outbound';

export type DeliverOutcome = 'delivered' | 'failed' | 'retry' | 'skipped';

export class DeliveryFailed extends Error {}

/**
 * Sends one outbox row and records the attempt. The row is claimed with a short lease first, so two workers
 * (or a reconciler's duplicate job) never call the same postback at the same time, and a delivered row is
 * never sent again: at most one successful postback per install.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly db: DataSource,
    private readonly outbound: OutboundService,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async deliver(deliveryId: string, lastAttempt: boolean, appId?: string): Promise<DeliverOutcome> {
    const leaseMs = this.config.outboundTimeoutMs * 2 + 5000;
    // By (app_id, id) when the job names its app (routed to one shard); by id alone for older jobs.
    const [claimed]: [
      { id: string; app_id: string; kind: string; method: 'GET' | 'POST'; url: string; body: string | null; attempts: number }[],
      number,
    ] = await this.db.query(
      `UPDATE deliveries SET locked_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE id = $1 ${appId ? 'AND app_id = $3' : ''} AND status = 'pending' AND (locked_until IS NULL OR locked_until < now())
        RETURNING id, app_id, kind, method, url, body, attempts`,
      appId ? [deliveryId, leaseMs, appId] : [deliveryId, leaseMs],
    );
    const row = claimed[0];
    if (!row) return 'skipped';

    const result = await this.outbound.send({ method: row.method, url: row.url, body: row.body ?? undefined });
    const attempt = row.attempts + 1;
    const status = result.ok ? 'delivered' : lastAttempt ? 'failed' : 'pending';
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO delivery_attempts (app_id, delivery_id, attempt, status_code, error, duration_ms) VALUES ($6, $1, $2, $3, $4, $5)`,
        [row.id, attempt, result.statusCode, result.error, result.durationMs, row.app_id],
      );
      await tx.query(
        `UPDATE deliveries
            SET attempts = $2, status = $3, last_status_code = $4, last_error = $5, locked_until = NULL,
                updated_at = now(), delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
          WHERE app_id = $6 AND id = $1`,
        [row.id, attempt, status, result.statusCode, result.error, row.app_id],
      );
    });
    metrics.deliveries.inc({ kind: row.kind, outcome: result.ok ? 'ok' : 'error' });
    if (status === 'pending') throw new DeliveryFailed(result.error ?? 'delivery failed');
    return status;
  }
}
