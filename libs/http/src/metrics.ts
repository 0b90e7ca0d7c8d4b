import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/** Process-wide Prometheus metrics, registered once however many apps a process hosts (tests host all three). */
let started = false;
export function startDefaultMetrics(): void {
  if (started) return;
  started = true;
  collectDefaultMetrics();
  // prom-client names three gauges `…_total`, which promtool refuses (a gauge is not a total); the same figures
  // stay available per type as nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) register.removeSingleMetric(name);
}

function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string>) ?? new Histogram({ name, help, buckets, labelNames })
  );
}

/**
 * Created on first use, so each process registers only the metrics it records (ingestion has no delivery
 * counters, the worker no request histograms of the admin API).
 */
const made = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!made.has(key)) made.set(key, make());
  return made.get(key) as T;
}

export const metrics = {
  get httpRequests() {
    return once('httpRequests', () => counter('lookback_http_requests_total', 'HTTP requests answered, by route pattern and status', ['method', 'route', 'status']));
  },
  get httpSeconds() {
    return once('httpSeconds', () =>
      histogram('lookback_http_request_duration_seconds', 'HTTP request time, by route pattern', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], ['method', 'route']),
    );
  },
  get jobSeconds() {
    return once('jobSeconds', () =>
      histogram('lookback_job_duration_seconds', 'Time a worker job ran, by queue, job name and result', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], ['queue', 'name', 'result']),
    );
  },
  get decisionLatencySeconds() {
    return once('decisionLatencySeconds', () =>
      histogram('lookback_install_decision_latency_seconds', 'From an install being received to its attribution decision committed', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]),
    );
  },
  get deliveriesFinal() {
    return once('deliveriesFinal', () => counter('lookback_deliveries_total', 'Deliveries by final outcome', ['kind', 'outcome']));
  },
  get touches() {
    return once('touches', () => counter('lookback_touches_total', 'Clicks and impressions recorded', ['kind']));
  },
  get installs() {
    return once('installs', () => counter('lookback_installs_total', 'Installs accepted (new rows)', []));
  },
  get events() {
    return once('events', () => counter('lookback_events_total', 'Events accepted (new rows)', ['source']));
  },
  get pixelHits() {
    return once('pixelHits', () => counter('lookback_pixel_hits_total', 'Pixel hits by outcome', ['outcome', 'reason']));
  },
  get decisions() {
    return once('decisions', () => counter('lookback_attribution_decisions_total', 'Attribution decisions', ['status', 'match_type']));
  },
  get deliveries() {
    return once('deliveries', () => counter('lookback_delivery_attempts_total', 'Outbound delivery attempts', ['kind', 'outcome']));
  },
  get enqueueFailures() {
    return once('enqueueFailures', () => counter('lookback_enqueue_failures_total', 'Jobs not enqueued (left to the reconciler)', ['queue']));
  },
  get reconciled() {
    return once('reconciled', () => counter('lookback_reconciled_total', 'Rows handed to the queue again by the reconciler', ['what']));
  },
  get audienceEvaluations() {
    return once('audienceEvaluations', () => counter('lookback_audience_evaluations_total', 'People re-evaluated against their app audiences', []));
  },
  get audienceChanges() {
    return once('audienceChanges', () => counter('lookback_audience_changes_total', 'Audience entries and exits', ['change']));
  },
  get audienceBatchSeconds() {
    return once('audienceBatchSeconds', () => histogram('lookback_audience_batch_seconds', 'Time to evaluate one batch of people', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]));
  },
  get rateLimited() {
    return once('rateLimited', () => counter('lookback_rate_limited_total', 'Requests refused with 429 by a rate limit', ['limit']));
  },
  get rateLimitFailOpen() {
    return once('rateLimitFailOpen', () => counter(
    'lookback_rate_limit_fail_open_total',
    'Requests served without being counted because the limiter Redis failed or was too slow',
    ['limit', 'reason'],
  ));
  },
  get spoolQuarantined() {
    return once('spoolQuarantined', () => counter('lookback_spool_quarantined_total', 'Spooled touch lines that can never be replayed, moved aside', ['reason']));
  },
  get catalogStale() {
    return once('catalogStale', () => counter('lookback_catalog_stale_total', 'Catalog entries served stale because PostgreSQL could not be read', ['what']));
  },
  get batchRows() {
    return once('batchRows', () => histogram('lookback_group_commit_rows', 'Rows per group-commit statement', [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000], ['table']));
  },
  get batchSeconds() {
    return once('batchSeconds', () => histogram('lookback_group_commit_seconds', 'Group-commit statement time', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], ['table']));
  },
};

/**
 * Queue depth per queue and state, read from Redis when /metrics is scraped (the worker registers it; a scrape
 * while Redis is away shows no series rather than failing).
 */
export function registerQueueDepth(queues: readonly { name: string; getJobCounts(...types: string[]): Promise<Record<string, number>> }[]): void {
  if (register.getSingleMetric('lookback_queue_jobs')) return;
  new Gauge({
    name: 'lookback_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    async collect() {
      this.reset();
      for (const q of queues) {
        try {
          const counts = await Promise.race([
            q.getJobCounts('waiting', 'active', 'delayed', 'failed'),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 500).unref()),
          ]);
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        } catch {
          // Redis is away: no series for this queue in this scrape.
        }
      }
    },
  });
}

export { register as metricsRegistry };
