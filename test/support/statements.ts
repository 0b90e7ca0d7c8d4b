import pg from 'pg';

/** One statement the product sent to PostgreSQL, with the values it was bound to and the code that sent it. */
export interface CapturedStatement {
  text: string;
  values: unknown[];
  /** The first frame of our own code (apps/ or libs/) that led to it, e.g. `libs/database/src/pixel.repository.ts`. */
  home: string;
  /** The first frame in apps/ (the process's own caller), when the home is a library. */
  via: string | undefined;
}

/**
 * Records every statement sent through node-postgres while it is on — the real repositories' SQL exactly as the
 * running stack sends it (TypeORM, the group-commit writers and `namedQuery` all end in `Client.prototype.query`).
 * Clients passed to `ignore` (the test's own) are left out.
 */
export function recordStatements(): { statements: CapturedStatement[]; ignore: (client: pg.Client) => void; stop: () => void } {
  const statements: CapturedStatement[] = [];
  const ignored = new WeakSet<object>();
  // A statement sent through a pool is recorded there, where the caller's frames are still on the stack (the
  // pool hands it to a client later, from a callback); the client then lets that same config object pass.
  const viaPool = new WeakSet<object>();
  const record = (args: unknown[]): object | undefined => {
    const [first, second] = args;
    const config = typeof first === 'string' ? { text: first, values: Array.isArray(second) ? second : [] } : (first as { text?: string; values?: unknown[] });
    if (!config || typeof config.text !== 'string' || viaPool.has(config)) return undefined;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 60;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    statements.push({ text: config.text, values: [...(config.values ?? [])], home: homeOf(stack), via: frames(stack).find((f) => f.startsWith('apps/')) });
    return config;
  };
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const pool = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const originals = { client: client.query, pool: pool.query };
  client.query = function (this: object, ...args: unknown[]) {
    if (!ignored.has(this)) record(args);
    return originals.client.apply(this, args);
  };
  pool.query = function (this: object, ...args: unknown[]) {
    const config = record(args);
    if (config) {
      viaPool.add(config);
      if (typeof args[0] === 'string') args = [config, ...args.slice(Array.isArray(args[1]) ? 2 : 1)];
    }
    return originals.pool.apply(this, args);
  };
  return {
    statements,
    ignore: (c) => ignored.add(c),
    stop: () => {
      client.query = originals.client;
      pool.query = originals.pool;
    },
  };
}

/** Frames of the plumbing every statement passes through: the home is the caller beyond them. */
const PLUMBING = ['libs/database/src/sql.ts', 'libs/database/src/group-commit.ts'];

function frames(stack: string): string[] {
  return stack
    .split('\n')
    .slice(1)
    .filter((line) => !line.includes('node_modules'))
    .map((line) => /((?:apps|libs)\/[^\s:()]+\.ts)/.exec(line)?.[1])
    .filter((f): f is string => f !== undefined);
}

function homeOf(stack: string): string {
  return frames(stack).find((f) => !PLUMBING.includes(f)) ?? 'unknown';
}
