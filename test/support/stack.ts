import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LookbackConfig } from '../../libs/config/src';
import { createIngestionApp } from '../../apps/ingestion/src/ingestion.app';
import { createAdminApp } from '../../apps/admin-api/src/admin.app';
import { createWorker } from '../../apps/attribution-worker/src/worker.app';
import { HealthServer } from '../../apps/attribution-worker/src/health/health-server.service';
import { REDIS_URL, createSuiteDatabase, dropDatabase, withServer } from './databases';

export const OWNER_KEY = 'test-owner-key-0123456789abcdef';

export interface Stack {
  config: LookbackConfig;
  ingestionUrl: string;
  adminUrl: string;
  adminApp: NestFastifyApplication;
  ingestionApp: NestFastifyApplication;
  workerHealthUrl: string;
  /** The running worker's application context (its services, e.g. to run a scheduler at a given clock). */
  readonly worker: INestApplicationContext | undefined;
  db: Client;
  /** Admin API call with the owner key; returns status and parsed JSON. */
  admin: (method: string, path: string, body?: unknown, key?: string) => Promise<{ status: number; body: any }>;
  stopWorker: () => Promise<void>;
  startWorker: () => Promise<void>;
  close: () => Promise<void>;
}

function portOf(app: NestFastifyApplication): number {
  return (app.getHttpServer().address() as AddressInfo).port;
}

/**
 * The real processes' Nest applications, started in this test process against a fresh PostgreSQL database and
 * a Redis key prefix of their own, on ephemeral ports. `parts.databaseUrl` names a migrated database the caller
 * owns (e.g. on its own cluster, to stop it) instead: it is used as is and not dropped.
 */
export async function startStack(
  env: Record<string, string> = {},
  parts: { worker: boolean; databaseUrl?: string } = { worker: true },
): Promise<Stack> {
  const database = parts.databaseUrl ? { name: undefined, url: parts.databaseUrl } : await createSuiteDatabase();
  const prefix = `lbtest-${process.pid}-${Date.now().toString(36)}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: OWNER_KEY,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'error',
    INGESTION_PORT: '0',
    ADMIN_PORT: '0',
    WORKER_HEALTH_PORT: '0',
    DELIVERY_BACKOFF_MS: '100',
    DELIVERY_ATTEMPTS: '4',
    SPOOL_DIR: join(tmpdir(), `${prefix}-spool`),
    ...env,
  });
  const ingestion = await createIngestionApp(config);
  await ingestion.listen({ port: 0, host: '127.0.0.1' });
  const adminApp = await createAdminApp(config);
  await adminApp.listen({ port: 0, host: '127.0.0.1' });
  let worker: INestApplicationContext | undefined;
  let workerHealthUrl = '';
  const startWorker = async () => {
    worker = await createWorker(config);
    workerHealthUrl = `http://127.0.0.1:${worker.get(HealthServer).port}`;
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = undefined;
  };
  if (parts.worker) await startWorker();
  const db = new Client({ connectionString: database.url });
  db.on('error', () => undefined); // the database may be stopped under it; queries then fail, the test does not
  await db.connect();

  const adminUrl = `http://127.0.0.1:${portOf(adminApp)}`;
  const stack: Stack = {
    config,
    ingestionUrl: `http://127.0.0.1:${portOf(ingestion)}`,
    adminUrl,
    adminApp,
    ingestionApp: ingestion,
    get workerHealthUrl() {
      return workerHealthUrl;
    },
    get worker() {
      return worker;
    },
    db,
    admin: async (method, path, body, key = OWNER_KEY) => {
      const res = await fetch(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    startWorker,
    stopWorker,
    close: async () => {
      await stopWorker();
      await ingestion.close();
      await adminApp.close();
      await db.end();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      if (database.name) await withServer((c) => dropDatabase(c, database.name!));
    },
  };
  return stack;
}
