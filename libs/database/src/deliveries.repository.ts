// The admin side of the outbox: sending a failed delivery again.
import type { DataSource } from 'typeorm';
import { scopeParam, type AppScope } from '@app/domain';

export type RetryOutcome = 'reset' | 'not_found' | 'not_failed';

/**
 * Puts a failed delivery (or one whose last attempt's outcome is `unknown`, once faults adds that state — an
 * operator's retry is the decision to risk a second call) back to pending, in one statement, so two concurrent retries reset it once and a
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
