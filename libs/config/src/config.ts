// The environment schema: read process.env once at start, validate, and hand out a typed, frozen object.

/** Redis Cluster seed nodes and what every node connection shares (REDIS_CLUSTER_NODES). */
export interface RedisClusterConfig {
  nodes: readonly { host: string; port: number }[];
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

export interface LookbackConfig {
  databaseUrl: string;
  /** The standalone Redis of the queues; not used when `redisCluster` is set. */
  redisUrl: string;
  /** When set, every Redis connection of the queues (and the limiter, unless it has a Redis of its own) is a cluster client. */
  redisCluster: RedisClusterConfig | undefined;
  adminApiKey: string | undefined;
  publicTrackingUrl: string;
  outboundAllowPrivate: boolean;
  trustProxy: boolean | number | string;
  ingestionPort: number;
  adminPort: number;
  workerHealthPort: number;
  /** BullMQ key prefix; with `redisCluster` it holds a hash tag, e.g. `{lookback}` (checked at start). */
  queuePrefix: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** How long ingestion may serve a campaign or app from memory before reading it again. */
  cacheTtlMs: number;
  /** Group-commit writer: most rows per statement. */
  groupCommitMaxRows: number;
  /** Timeout of one outbound postback or webhook call. */
  outboundTimeoutMs: number;
  /** Delivery attempts before a postback is marked failed. */
  deliveryAttempts: number;
  /** First retry delay of a delivery; each further retry waits twice as long. */
  deliveryBackoffMs: number;
  /** A pending install or delivery older than this is handed to the queue again by the reconciler. */
  reconcileAfterMs: number;
  /** Where ingestion spools clicks it could not commit in time; replayed into PostgreSQL when it answers again. */
  spoolDir: string;
  /** How often the worker runs the reconciler. */
  reconcileEveryMs: number;
  /** Raw clicks, impressions and events older than this many days are dropped (whole partitions). */
  retentionDays: number;
  /** How often the worker reduces old IPs/User-Agents and drops expired partitions. */
  upkeepEveryMs: number;
  /**
   * `lean` (default): /c, /i and /p on a Fastify instance of their own, outside Nest's request lifecycle;
   * `fastify`: plain routes on Nest's own Fastify instance; `nest`: /c and /i behind Nest's router, guards and pipes.
   * Only for measuring what each layer costs on the hottest paths (npm run bench does).
   */
  trackingRoutes: 'lean' | 'fastify' | 'nest';
  /** Signed ingestion (installs, events) accepted per app per minute, counted in Redis. */
  rateLimitAppPerMinute: number;
  /** Admin API requests accepted per API key per minute, counted in Redis. */
  rateLimitKeyPerMinute: number;
  /** How often the worker looks for people to re-evaluate against their app's audiences (and for due wake-ups). */
  audienceEveryMs: number;
  /** How often the worker judges watched pixels (silent, rejecting, recovered). */
  pixelMonitorEveryMs: number;
  /**
   * A standalone Redis of its own for the limits (keeps limiter traffic off the queues'); undefined: the queues'
   * Redis, standalone or cluster.
   */
  rateLimitRedisUrl: string | undefined;
  /** Longest a request waits for the limiter; past it the request is served uncounted (fail open). */
  rateLimitTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
    got: string,
  ) {
    super(`Invalid configuration: ${variable}=${JSON.stringify(got)} — ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const v = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, `expected a URL (${protocols.join(' or ')})`, v);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL with protocol ${protocols.join(' or ')}`, v);
  }
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}`, v);
  }
  return Number(v);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!(values as readonly string[]).includes(v)) throw new ConfigError(name, `one of ${values.join(', ')}`, v);
  return v as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const lower = v.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  throw new ConfigError(name, 'expected true or false', v);
}

/** The hash tag Redis Cluster hashes a key by: what lies between the first `{` and the next `}`, when not empty. */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

const CLUSTER_NODES_EXPECTED =
  'expected a comma list of host:port (or redis:// / rediss:// URLs) of Redis Cluster nodes, all with the same protocol, user and password';

/**
 * REDIS_CLUSTER_NODES: seed nodes only (the client learns the rest of the cluster from them). Entries are `host:port`
 * or URLs; a URL's user, password and TLS apply to every node, so they must agree. A password is never printed.
 */
function redisCluster(env: Env): RedisClusterConfig | undefined {
  const raw = env.REDIS_CLUSTER_NODES?.trim();
  if (raw === undefined || raw === '') return undefined;
  const shown = raw.replace(/((?:^|,|\/\/)[^:@/,]*:)[^@/,]*@/g, '$1<hidden>@');
  const refuse = (why: string = CLUSTER_NODES_EXPECTED) => new ConfigError('REDIS_CLUSTER_NODES', why, shown);
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') {
    throw refuse('set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  const parsed = raw.split(',').map((entry) => {
    const text = entry.trim();
    let url: URL;
    try {
      url = new URL(text.includes('://') ? text : `redis://${text}`);
    } catch {
      throw refuse();
    }
    const port = url.port === '' ? 6379 : Number(url.port);
    if (!['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '' || !(port > 0)) throw refuse();
    if (url.pathname !== '' && url.pathname !== '/' && url.pathname !== '/0') {
      throw refuse('a Redis Cluster has only database 0: no /db number in REDIS_CLUSTER_NODES');
    }
    if (url.search !== '' || url.hash !== '') throw refuse();
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === 'rediss:',
    };
  });
  const [first] = parsed;
  if (parsed.some((n) => n.username !== first.username || n.password !== first.password || n.tls !== first.tls)) throw refuse();
  return { nodes: parsed.map(({ host, port }) => ({ host, port })), username: first.username, password: first.password, tls: first.tls };
}

/**
 * BullMQ runs scripts over many keys of one queue, which Redis Cluster allows only within one slot; the keys are
 * `<prefix>:<queue>:…`, so a hash tag in the prefix puts each queue's keys (all of Lookback's queues) in one slot.
 * Refused rather than wrapped: the operator sees the key names Redis holds in the variable they set.
 */
function queuePrefix(env: Env, cluster: RedisClusterConfig | undefined): string {
  const prefix = str(env, 'QUEUE_PREFIX', 'lookback');
  if (cluster && hashTagOf(prefix) === undefined) {
    throw new ConfigError(
      'QUEUE_PREFIX',
      `with REDIS_CLUSTER_NODES set, expected a prefix holding a Redis Cluster hash tag, e.g. {${prefix.replace(/[{}]/g, '') || 'lookback'}}, so that each queue's keys share one slot`,
      prefix,
    );
  }
  return prefix;
}

const PROXY_NAMES = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)$/;

function trustProxy(env: Env): boolean | number | string {
  const v = str(env, 'TRUST_PROXY', 'loopback').trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  const parts = v.split(',').map((p) => p.trim());
  if (parts.every((p) => PROXY_NAMES.test(p))) return parts.join(',');
  throw new ConfigError(
    'TRUST_PROXY',
    'expected true, false, a hop count, or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal',
    v,
  );
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): LookbackConfig {
  const adminApiKey = env.ADMIN_API_KEY === '' ? undefined : env.ADMIN_API_KEY;
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    throw new ConfigError('ADMIN_API_KEY', 'expected at least 16 characters', '<hidden>');
  }
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`, logLevel);
  }
  const publicTrackingUrl = url(env, 'PUBLIC_TRACKING_URL', 'http://localhost:3000', ['http:', 'https:']).replace(
    /\/+$/,
    '',
  );
  const redisUrl = url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']);
  const cluster = redisCluster(env);
  const rateLimitRedisUrl = env.RATE_LIMIT_REDIS_URL ? url(env, 'RATE_LIMIT_REDIS_URL', '', ['redis:', 'rediss:']) : undefined;
  return Object.freeze({
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/lookback', ['postgres:', 'postgresql:']),
    redisUrl,
    redisCluster: cluster,
    adminApiKey,
    publicTrackingUrl,
    outboundAllowPrivate: bool(env, 'OUTBOUND_ALLOW_PRIVATE', false),
    trustProxy: trustProxy(env),
    ingestionPort: int(env, 'INGESTION_PORT', 3000, 0, 65535),
    adminPort: int(env, 'ADMIN_PORT', 3001, 0, 65535),
    workerHealthPort: int(env, 'WORKER_HEALTH_PORT', 3002, 0, 65535),
    queuePrefix: queuePrefix(env, cluster),
    logLevel: logLevel as LookbackConfig['logLevel'],
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    cacheTtlMs: int(env, 'CACHE_TTL_MS', 5000, 0, 3_600_000),
    groupCommitMaxRows: int(env, 'GROUP_COMMIT_MAX_ROWS', 500, 1, 10_000),
    outboundTimeoutMs: int(env, 'OUTBOUND_TIMEOUT_MS', 5000, 100, 120_000),
    deliveryAttempts: int(env, 'DELIVERY_ATTEMPTS', 10, 1, 100),
    deliveryBackoffMs: int(env, 'DELIVERY_BACKOFF_MS', 5000, 10, 3_600_000),
    reconcileAfterMs: int(env, 'RECONCILE_AFTER_MS', 60_000, 1000, 86_400_000),
    spoolDir: str(env, 'SPOOL_DIR', 'var/spool'),
    reconcileEveryMs: int(env, 'RECONCILE_EVERY_MS', 30_000, 1000, 86_400_000),
    retentionDays: int(env, 'RETENTION_DAYS', 400, 1, 36_500),
    upkeepEveryMs: int(env, 'UPKEEP_EVERY_MS', 3_600_000, 1000, 86_400_000),
    trackingRoutes: oneOf(env, 'TRACKING_ROUTES', ['lean', 'fastify', 'nest'] as const, 'lean'),
    rateLimitAppPerMinute: int(env, 'RATE_LIMIT_APP_PER_MINUTE', 120_000, 1, 100_000_000),
    rateLimitKeyPerMinute: int(env, 'RATE_LIMIT_KEY_PER_MINUTE', 6_000, 1, 100_000_000),
    audienceEveryMs: int(env, 'AUDIENCE_EVERY_MS', 250, 10, 3_600_000),
    pixelMonitorEveryMs: int(env, 'PIXEL_MONITOR_EVERY_MS', 60_000, 100, 86_400_000),
    rateLimitRedisUrl,
    rateLimitTimeoutMs: int(env, 'RATE_LIMIT_TIMEOUT_MS', 100, 5, 10_000),
  });
}

/** For `main.ts`: a bad value prints one line naming the variable and stops the process. */
export function loadConfigOrExit(env: Env = process.env): LookbackConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
