// The outbox's life after it is written: claiming a delivery, recording each attempt, sweeping attempts that a
// dead worker left open (the worker), and sending a failed one again (the admin API). At most one successful
// postback rests on the order here: the attempt is committed before the call is made, so no call can happen
// without a trace.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { mayRepeatUncertain, scopeParam, type AppScope, type AttemptOutcome, type NextDeliveryStatus } from '@app/domain';
import type { DeliveryStatus } from './entities/delivery.entity';

export interface ClaimedDelivery {
  id: string;
  appId: string;
  kind: string;
  subjectType: string;
  subjectId: string;
  networkId: string | null;
  method: 'GET' | 'POST';
  url: string;
  body: string | null;
  /** The number of the attempt just opened (1 for the first). */
  attempt: number;
  /** The audience of a webhook (its secrets sign the call; its next webhook waits for this one). */
  audienceId: string | null;
  networkDedupesClickId: boolean;
}

export interface AttemptRecord {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface SweptDelivery {
  id: string;
  appId: string;
  kind: string;
  status: DeliveryStatus;
}

const INTERRUPTED = 'interrupted: the worker stopped during the call; the partner may have received it';

/**
 * Opens an attempt: in one statement (so in one commit) the delivery becomes `sending` under a lease and an
 * attempt row with outcome `sending` is written. Only a `pending` row whose lease is free can be claimed; rows
 * held with a future `locked_until` (audience webhooks waiting for their turn) are left alone.
 */
export async function claimDelivery(
  db: DataSource,
  id: string,
  leaseMs: number,
  appId?: string,
): Promise<ClaimedDelivery | undefined> {
  const rows: {
    id: string;
    app_id: string;
    kind: string;
    subject_type: string;
    subject_id: string;
    network_id: string | null;
    method: 'GET' | 'POST';
    url: string;
    body: string | null;
    attempts: number;
    audience_id: string | null;
    dedupes: boolean | null;
  }[] = await db.query(
    `WITH c AS (
       UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, updated_at = now(),
              locked_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE d.id = $1 AND ($3::uuid IS NULL OR d.app_id = $3)
          AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < now())
          -- An audience's webhooks go out in the order written: a member's exit never overtakes its entry.
          AND NOT EXISTS (
            SELECT 1 FROM deliveries e
             WHERE d.kind = 'webhook' AND e.app_id = d.app_id AND e.audience_id = d.audience_id AND e.kind = 'webhook'
               AND e.status IN ('pending', 'sending') AND (e.created_at, e.id) < (d.created_at, d.id))
        RETURNING d.id, d.app_id, d.kind, d.subject_type, d.subject_id, d.network_id, d.method, d.url, d.body, d.attempts,
                  d.audience_id
     ), a AS (
       INSERT INTO delivery_attempts (app_id, delivery_id, attempt, outcome) SELECT app_id, id, attempts, 'sending' FROM c
     )
     SELECT c.*, n.dedupes_click_id AS dedupes FROM c LEFT JOIN networks n ON n.id = c.network_id`,
    [id, leaseMs, appId ?? null],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    appId: r.app_id,
    kind: r.kind,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    networkId: r.network_id,
    method: r.method,
    url: r.url,
    body: r.body,
    attempt: r.attempts,
    audienceId: r.audience_id,
    networkDedupesClickId: r.dedupes ?? false,
  };
}

/**
 * Closes an attempt with what the call answered. The attempt row always gets the truth; the delivery takes the
 * new status only if no later attempt was opened meanwhile (a sweep may have judged this one interrupted if the
 * worker stalled past its lease — a known answer then wins over the guess).
 */
export async function finishAttempt(
  db: DataSource,
  claim: Pick<ClaimedDelivery, 'id' | 'appId' | 'attempt'>,
  record: AttemptRecord,
  status: NextDeliveryStatus,
): Promise<boolean> {
  const rows: { id: string }[] = await db.query(
    `WITH a AS (
       UPDATE delivery_attempts SET outcome = $3, status_code = $4, error = $5, duration_ms = $6, finished_at = now()
        WHERE app_id = $8 AND delivery_id = $1 AND attempt = $2 AND outcome IN ('sending', 'interrupted')
     )
     UPDATE deliveries
        SET status = $7, last_status_code = $4, last_error = $5, locked_until = NULL, updated_at = now(),
            delivered_at = CASE WHEN $7 = 'delivered' THEN now() ELSE delivered_at END
      WHERE app_id = $8 AND id = $1 AND attempts = $2 AND status IN ('sending', 'unknown', 'pending')
      RETURNING id`,
    [claim.id, claim.attempt, record.outcome, record.statusCode, record.error, record.durationMs, status, claim.appId],
  );
  // TypeORM answers a bare UPDATE … RETURNING with [rows, count].
  const updated = Array.isArray(rows[0]) ? (rows[0] as unknown as unknown[]) : rows;
  return updated.length > 0;
}

/**
 * Attempts left `sending` past their lease belong to a worker that died (or stalled) during the call: the
 * partner may or may not have the postback. The attempt is marked `interrupted`, and the delivery becomes
 * `unknown` (shown in /v1/deliveries for a person to decide), or `pending` again when its partner drops
 * repeats (see `mayRepeatUncertain`). Never sent again silently.
 */
export async function sweepInterruptedDeliveries(
  db: DataSource,
  options: { id?: string; limit?: number; appId?: string } = {},
): Promise<SweptDelivery[]> {
  return db.transaction(async (tx) => {
    const stale: { id: string; app_id: string; kind: string; attempts: number; dedupes: boolean | null }[] = await tx.query(
      `SELECT d.id, d.app_id, d.kind, d.attempts, n.dedupes_click_id AS dedupes
         FROM deliveries d LEFT JOIN networks n ON n.id = d.network_id
        WHERE d.status = 'sending' AND d.locked_until < now() AND ($1::uuid IS NULL OR d.id = $1)
          AND ($3::uuid IS NULL OR d.app_id = $3)
        ORDER BY d.locked_until
        LIMIT $2
        FOR UPDATE OF d SKIP LOCKED`,
      [options.id ?? null, options.limit ?? 1000, options.appId ?? null],
    );
    if (stale.length === 0) return [];
    const swept = stale.map((s) => ({
      id: s.id,
      appId: s.app_id,
      kind: s.kind,
      attempts: s.attempts,
      status: (mayRepeatUncertain(s.kind, s.dedupes ?? false) ? 'pending' : 'unknown') as DeliveryStatus,
    }));
    await tx.query(
      `UPDATE delivery_attempts a SET outcome = 'interrupted', error = $3, finished_at = now()
         FROM unnest($1::uuid[], $2::int[], $4::uuid[]) AS s(id, attempt, app_id)
        WHERE a.app_id = s.app_id AND a.delivery_id = s.id AND a.attempt = s.attempt AND a.outcome = 'sending'`,
      [swept.map((s) => s.id), swept.map((s) => s.attempts), INTERRUPTED, swept.map((s) => s.appId)],
    );
    await tx.query(
      `UPDATE deliveries d SET status = s.status, locked_until = NULL, last_status_code = NULL, last_error = $3,
              updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $4::uuid[]) AS s(id, status, app_id)
        WHERE d.app_id = s.app_id AND d.id = s.id AND d.status = 'sending'`,
      [swept.map((s) => s.id), swept.map((s) => s.status), INTERRUPTED, swept.map((s) => s.appId)],
    );
    return swept.map(({ id, appId, kind, status }) => ({ id, appId, kind, status }));
  });
}

export type RetryOutcome = 'reset' | 'not_found' | 'not_failed';

/**
 * Puts a failed or `unknown` delivery (an operator's retry of `unknown` is the decision to risk a second call)
 * back to pending, in one statement, so two concurrent retries reset it once and a
 * delivery in flight or delivered is never reset (at most one successful postback). Its attempt history stays.
 */
export async function resetFailedDelivery(db: DataSource, id: string, scope: AppScope): Promise<RetryOutcome> {
  const [rows]: [{ id: string }[], number] = await db.query(
    `UPDATE deliveries SET status = 'pending', locked_until = NULL, updated_at = now()
      WHERE id = $1 AND status IN ('failed', 'unknown') AND ($2::uuid[] IS NULL OR app_id = ANY($2::uuid[]))
      RETURNING id`,
    [id, scopeParam(scope)],
  );
  if (rows.length > 0) return 'reset';
  const found: { id: string }[] = await db.query(
    `SELECT id FROM deliveries WHERE id = $1 AND ($2::uuid[] IS NULL OR app_id = ANY($2::uuid[]))`,
    [id, scopeParam(scope)],
  );
  return found.length > 0 ? 'not_failed' : 'not_found';
}

/** The outbox's life after it is written, as the worker's delivery processor and the admin API call it. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /** See claimDelivery. */
  claim(id: string, leaseMs: number, appId?: string): Promise<ClaimedDelivery | undefined> {
    return claimDelivery(this.db, id, leaseMs, appId);
  }

  /** See finishAttempt. */
  finishAttempt(claim: Pick<ClaimedDelivery, 'id' | 'appId' | 'attempt'>, record: AttemptRecord, status: NextDeliveryStatus): Promise<boolean> {
    return finishAttempt(this.db, claim, record, status);
  }

  /** See sweepInterruptedDeliveries. */
  sweepInterrupted(options: { id?: string; limit?: number; appId?: string } = {}): Promise<SweptDelivery[]> {
    return sweepInterruptedDeliveries(this.db, options);
  }

  /** See resetFailedDelivery. */
  resetFailed(id: string, scope: AppScope): Promise<RetryOutcome> {
    return resetFailedDelivery(this.db, id, scope);
  }
}
