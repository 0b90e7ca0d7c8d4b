import type { JobsOptions, Queue } from 'bullmq';

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
