// A real Redis Cluster of three redis-server processes for a test: started on free ports, formed with
// `redis-cli --cluster create`, stopped by PID, its directory removed. The shared Redis on 6379 is never touched.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  pid: number;
}

export interface RedisClusterHandle {
  nodes: ClusterNode[];
  dir: string;
  /** A plain (non-cluster) connection to one node: KEYS and GET there see only what that node holds. */
  node: (port: number) => Redis;
  /** The port of the primary that owns `slot`. */
  ownerOf: (slot: number) => Promise<number>;
  keyslot: (key: string) => Promise<number>;
  /** Kills one node (by its PID) and waits for it to be gone: a primary lost with its slots. */
  kill: (port: number) => Promise<void>;
  stop: () => Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A node needs its port and its cluster bus port (port + 10000) free, both below the ephemeral range (32768+), where
 * another process's outgoing connection could take one before redis-server binds it: ports 14000–21999.
 */
async function freeNodePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  let candidate = 14000 + Math.floor(Math.random() * 7900);
  while (ports.length < count) {
    candidate += 1 + Math.floor(Math.random() * 7);
    if (candidate > 21999) candidate = 14000;
    if (ports.includes(candidate)) continue;
    if ((await portFree(candidate)) && (await portFree(candidate + 10_000))) ports.push(candidate);
  }
  return ports;
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startRedisCluster(size = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'lookback-redis-cluster-'));
  const ports = await freeNodePorts(size);
  const children: ChildProcess[] = [];
  const clients = new Map<number, Redis>();
  const node = (port: number) => {
    let c = clients.get(port);
    if (!c) {
      c = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      c.on('error', () => undefined);
      clients.set(port, c);
    }
    return c;
  };
  const stop = async () => {
    for (const c of clients.values()) c.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
            child.once('exit', () => resolve());
            process.kill(child.pid, 'SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '5000',
          '--dir', dir,
          '--save', '',
          '--appendonly', 'no',
          '--daemonize', 'no',
          '--logfile', join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    for (const port of ports) await until(async () => (await node(port).ping()) === 'PONG', `redis-server on ${port}`, 15_000);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    for (const port of ports) {
      await until(
        async () => {
          const info = String(await node(port).call('CLUSTER', 'INFO'));
          return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${size}`);
        },
        `cluster_state:ok on ${port}`,
        30_000,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const ownerOf = async (slot: number) => {
    const ranges = (await node(ports[0]).call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node owns slot ${slot}`);
    return Number(range[2][1]);
  };
  return {
    nodes: ports.map((port, i) => ({ port, pid: children[i].pid! })),
    dir,
    node,
    ownerOf,
    keyslot: async (key) => Number(await node(ports[0]).call('CLUSTER', 'KEYSLOT', key)),
    kill: async (port) => {
      const child = children[ports.indexOf(port)];
      if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      clients.get(port)?.disconnect();
      clients.delete(port);
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGKILL');
      await gone;
    },
    stop,
  };
}
