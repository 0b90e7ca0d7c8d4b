// What a delivery attempt's result means for the delivery: the at-most-once rules, as plain functions.

export type AttemptOutcome = 'ok' | 'error' | 'uncertain';
export type NextDeliveryStatus = 'delivered' | 'pending' | 'failed' | 'unknown';

export interface CallResult {
  ok: boolean;
  statusCode: number | null;
  /** Whether the partner may have received the request (false only when no connection existed). */
  sent: boolean;
}

/**
 * A 2xx is delivered. Any answer that is not 2xx, and any failure before a connection existed, is a plain
 * error: the partner either said no or never heard us, so a retry cannot double anything. A failure after the
 * request may have reached the partner (deadline while waiting for its answer, connection reset) is uncertain.
 */
export function attemptOutcome(result: CallResult): AttemptOutcome {
  if (result.ok) return 'ok';
  if (result.statusCode !== null || !result.sent) return 'error';
  return 'uncertain';
}

/**
 * Whether a delivery whose attempt ended without a known answer (uncertain, or interrupted by a crash) may be
 * sent again. Ad networks match postbacks loosely and most count a repeat as a second install, so a postback
 * is repeated only to a network marked as dropping repeats of one click id; otherwise it waits for a person.
 * Webhooks and alerts carry a `webhook-id` that is the same on every retry, which the Standard Webhooks
 * receivers use to drop repeats, so they are sent again.
 */
export function mayRepeatUncertain(kind: string, networkDedupesClickId: boolean): boolean {
  return kind !== 'postback' || networkDedupesClickId;
}

export function nextDeliveryStatus(
  outcome: AttemptOutcome,
  kind: string,
  networkDedupesClickId: boolean,
  lastAttempt: boolean,
): NextDeliveryStatus {
  if (outcome === 'ok') return 'delivered';
  if (outcome === 'uncertain' && !mayRepeatUncertain(kind, networkDedupesClickId)) return 'unknown';
  return lastAttempt ? 'failed' : 'pending';
}
