export * from './queues';
export { QueuesModule, redisConnection } from './queues.module';
export { enqueueAfterCommit } from './enqueue';
