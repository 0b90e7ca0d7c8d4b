export * from './queues';
export { QueueConnection, QueuesModule, redisConnection } from './queues.module';
export { enqueueAfterCommit, enqueueBulkAfterCommit, enqueueDeliveries, offerJob } from './enqueue';
