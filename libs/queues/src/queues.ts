/**
 * Queue and job names live in Redis and outlive a deploy: they are contracts, spelled here once.
 * Every producer passes `jobId` = the row id the job is about, so enqueueing twice runs once.
 */
export const ATTRIBUTION_QUEUE = 'attribution';
export const ATTRIBUTE_INSTALL_JOB = 'attribute-install';
/**
 * `appId` names the shard: every look-up the job makes is keyed by (app_id, id) and so routed to one node on
 * Citus. Jobs enqueued before it existed carry only the id; consumers then find the row by id alone.
 */
export interface AttributeInstallJob {
  installId: string;
  appId?: string;
}
/** An applied replay (`POST /v1/attribution/replay` with `apply`), run on the attribution batch path; jobId = run id. */
export const REPLAY_APPLY_JOB = 'replay-apply';
export interface ReplayApplyJob {
  runId: string;
  appId: string;
}

export const DELIVERY_QUEUE = 'deliveries';
export const DELIVER_JOB = 'deliver';
export interface DeliverJob {
  deliveryId: string;
  appId?: string;
}

/** Links an event to its install, inherits the attribution and owes the event postback. */
export const EVENT_QUEUE = 'events';
export const PROCESS_EVENT_JOB = 'process-event';
export interface ProcessEventJob {
  eventId: string;
  appId?: string;
}

export const ALL_QUEUES = [ATTRIBUTION_QUEUE, DELIVERY_QUEUE, EVENT_QUEUE] as const;

/**
 * Completed jobs are removed so a later enqueue with the same id (the reconciler re-offering a row that is
 * still pending in PostgreSQL) is not silently ignored; PostgreSQL, not Redis, records what happened.
 */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: 1000,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;

/** Deliveries retry longer than other jobs: an ad network's endpoint may be down for hours. */
export function deliveryJobOptions(config: { deliveryAttempts: number; deliveryBackoffMs: number }) {
  return {
    attempts: config.deliveryAttempts,
    backoff: { type: 'exponential', delay: config.deliveryBackoffMs },
  } as const;
}
