import type { JobsOptions, Queue } from 'bullmq';
import { DELIVER_JOB, deliveryJobOptions } from './queues';

/**
 * Enqueues after the row is committed. If Redis is slow or gone the request must not wait on it: the row
 * is safe in PostgreSQL and the reconciler will offer it to the queue again. Resolves false in that case.
 */
export async function enqueueAfterCommit(
  queue: Queue,
  name: string,
  data: object,
  jobId: string,
  opts: JobsOptions = {},
  timeoutMs = 1000,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const added = queue.add(name, data, { ...opts, jobId }).then(
    () => true,
    () => false,
  );
  const result = await Promise.race([added, timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * One round trip for a committed batch's jobs (`addBulk`), each job still keyed by its row id. Same contract as
 * `enqueueAfterCommit`: never throws, resolves false when Redis did not take them in time (the reconciler
 * offers the rows again).
 */
export async function enqueueBulkAfterCommit(
  queue: Queue,
  name: string,
  jobs: readonly { jobId: string; data: object }[],
  opts: JobsOptions = {},
  timeoutMs = 1000,
): Promise<boolean> {
  if (jobs.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const added = queue.addBulk(jobs.map((j) => ({ name, data: j.data, opts: { ...opts, jobId: j.jobId } }))).then(
    () => true,
    () => false,
  );
  const result = await Promise.race([added, timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * Offers a row's job to the queue again: a job still waiting or running is left alone, one that failed for good
 * is retried, a finished one is replaced. Resolves whether a job was (re)queued.
 */
export async function offerJob(queue: Queue, name: string, data: object, jobId: string, opts: JobsOptions = {}): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return enqueueAfterCommit(queue, name, data, jobId, opts);
  const state = await job.getState();
  if (state === 'failed') {
    await job.retry('failed');
    return true;
  }
  if (state === 'completed') {
    await job.remove();
    return enqueueAfterCommit(queue, name, data, jobId, opts);
  }
  return false;
}

/**
 * Hands committed outbox rows to the delivery queue, one job per delivery keyed by its id, with the delivery
 * retry policy. Resolves false when Redis did not take them in time: the reconciler offers them again.
 */
export function enqueueDeliveries(
  queue: Queue,
  config: { deliveryAttempts: number; deliveryBackoffMs: number },
  rows: readonly { deliveryId: string; appId: string }[],
): Promise<boolean> {
  return enqueueBulkAfterCommit(
    queue,
    DELIVER_JOB,
    rows.map(({ deliveryId, appId }) => ({ jobId: deliveryId, data: { deliveryId, appId } })),
    deliveryJobOptions(config),
  );
}
