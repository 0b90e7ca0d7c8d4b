import { Counter, Histogram, collectDefaultMetrics, register } from 'prom-client';

/** Process-wide Prometheus metrics, registered once however many apps a process hosts (tests host all three). */
let started = false;
export function startDefaultMetrics(): void {
  if (started) return;
  started = true;
  collectDefaultMetrics();
}

function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string>) ?? new Histogram({ name, help, buckets, labelNames })
  );
}

export const metrics = {
  touches: counter('lookback_touches_total', 'Clicks and impressions recorded', ['kind']),
  installs: counter('lookback_installs_total', 'Installs accepted (new rows)', []),
  events: counter('lookback_events_total', 'Events accepted (new rows)', ['source']),
  pixelHits: counter('lookback_pixel_hits_total', 'Pixel hits by outcome', ['outcome', 'reason']),
  decisions: counter('lookback_attribution_decisions_total', 'Attribution decisions', ['status', 'match_type']),
  deliveries: counter('lookback_delivery_attempts_total', 'Outbound delivery attempts', ['kind', 'outcome']),
  enqueueFailures: counter('lookback_enqueue_failures_total', 'Jobs not enqueued (left to the reconciler)', ['queue']),
  reconciled: counter('lookback_reconciled_total', 'Rows handed to the queue again by the reconciler', ['what']),
  audienceEvaluations: counter('lookback_audience_evaluations_total', 'People re-evaluated against their app audiences', []),
  audienceChanges: counter('lookback_audience_changes_total', 'Audience entries and exits', ['change']),
  audienceBatchSeconds: histogram('lookback_audience_batch_seconds', 'Time to evaluate one batch of people', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
  rateLimited: counter('lookback_rate_limited_total', 'Requests refused with 429 by a rate limit', ['limit']),
  rateLimitFailOpen: counter(
    'lookback_rate_limit_fail_open_total',
    'Requests served without being counted because the limiter Redis failed or was too slow',
    ['limit', 'reason'],
  ),
  catalogStale: counter('lookback_catalog_stale_total', 'Catalog entries served stale because PostgreSQL could not be read', ['what']),
  batchRows: histogram('lookback_group_commit_rows', 'Rows per group-commit statement', [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000], ['table']),
  batchSeconds: histogram('lookback_group_commit_seconds', 'Group-commit statement time', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], ['table']),
};

export { register as metricsRegistry };
