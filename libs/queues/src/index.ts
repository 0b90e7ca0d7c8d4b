export * from './queues';
export { QueuesModule, redisConnection } from './queues.module';
export { enqueueAfterCommit, enqueueBulkAfterCommit, enqueueDeliveries, offerJob } from './enqueue';
