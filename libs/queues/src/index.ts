export * from './queues';
export { QueuesModule, redisConnection } from './queues.module';
export { enqueueAfterCommit, enqueueBulkAfterCommit, offerJob } from './enqueue';
