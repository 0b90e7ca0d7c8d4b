// Shared by `npm run bench` and `npm run simulate`: the built processes on a database of their own.
import { spawn } from 'node:child_process';
import pg from 'pg';

export function harness(name, ports) {
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const dbUrl = new URL(server);
  dbUrl.pathname = `/${name}`;
  const key = `${name}-owner-key-0123456789`;
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: name,
    ADMIN_API_KEY: key,
    LOG_LEVEL: 'warn',
    INGESTION_PORT: String(ports),
    ADMIN_PORT: String(ports + 1),
    WORKER_HEALTH_PORT: String(ports + 2),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    SPOOL_DIR: `var/${name}-spool`,
    // The limiter still runs (its cost is part of what is measured) but never refuses the bench's own load.
    RATE_LIMIT_APP_PER_MINUTE: process.env.RATE_LIMIT_APP_PER_MINUTE ?? '100000000',
    RATE_LIMIT_KEY_PER_MINUTE: process.env.RATE_LIMIT_KEY_PER_MINUTE ?? '100000000',
  };
  const ingestion = `http://127.0.0.1:${ports}`;
  const admin = `http://127.0.0.1:${ports + 1}`;
  const children = [];

  async function run(args) {
    await new Promise((resolve, reject) => {
      const c = spawn(process.execPath, args, { env, stdio: 'inherit' });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
    });
  }

  return {
    env,
    ingestion,
    admin,
    databaseUrl: env.DATABASE_URL,
    databaseName: name,

    /** Drops the database and the queue keys, then migrates afresh. */
    async fresh() {
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
      const { Redis } = await import('ioredis');
      const redis = new Redis(env.REDIS_URL);
      const keys = await redis.keys(`${name}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await run(['dist/apps/admin-api/apps/admin-api/src/migrate.js']);
    },

    start(app) {
      const child = spawn(process.execPath, [`dist/apps/${app}/apps/${app}/src/main.js`], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    },

    async healthy(url) {
      for (let i = 0; i < 300; i++) {
        try {
          if ((await fetch(`${url}/health`)).status === 200) return;
        } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${url} did not become healthy`);
    },

    async post(path, body) {
      const res = await fetch(`${admin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },

    stop() {
      for (const c of children) c.kill('SIGTERM');
    },

    /** Stops every process started and waits until they have exited (their ports are free again). */
    async stopAll() {
      const running = children.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
      await Promise.all(running.map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); })));
    },
  };
}
