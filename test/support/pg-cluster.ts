// A PostgreSQL cluster of a test's own, for tests that stop the database: the shared one on 5432 is never touched.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { migrate } from '../../libs/database/src/migrate';

const run = promisify(execFile);
const VERSION = process.env.TEST_PG_VERSION ?? '15';
const PREFIX = 'lbtest_';

export interface OwnCluster {
  name: string;
  url: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Stops and deletes the cluster with its data. */
  drop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ctl = (name: string, action: 'start' | 'stop') =>
  run('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, name, action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);

/** Drops this machine's test clusters whose run has died (their names carry the pid). */
async function dropOrphans(): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name] = line.trim().split(/\s+/);
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)_`).exec(name ?? '')?.[1]);
    if (version === VERSION && pid && pid !== process.pid && !alive(pid)) {
      await run('pg_dropcluster', ['--stop', VERSION, name]).catch(() => undefined);
    }
  }
}

/** Creates, starts and migrates a cluster on a free port, trusting local TCP connections like the shared one. */
export async function createOwnCluster(): Promise<OwnCluster> {
  await dropOrphans();
  const name = `${PREFIX}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const port = await freePort();
  await run('pg_createcluster', [VERSION, name, '-p', String(port), '--', '--auth=trust']);
  const drop = () => run('pg_dropcluster', ['--stop', VERSION, name]).then(() => undefined);
  try {
    await ctl(name, 'start');
    const url = `postgres://postgres@127.0.0.1:${port}/lookback`;
    await migrate(url);
    return {
      name,
      url,
      stop: () => ctl(name, 'stop').then(() => undefined),
      start: () => ctl(name, 'start').then(() => undefined),
      drop,
    };
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
}
