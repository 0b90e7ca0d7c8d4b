export * from './queues';
export { QueuesModule, redisConnection } from './queues.module';
export { enqueueAfterCommit, enqueueBulkAfterCommit } from './enqueue';
