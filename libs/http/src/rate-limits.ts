// Per-minute budgets counted in Redis, so every ingestion and admin process draws on one count; fails open.
import { Inject, Injectable, Logger, SetMetadata, type CanActivate, type ExecutionContext, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { LOOKBACK_CONFIG, createRedisClient, type LookbackConfig, type RedisClient } from '@app/config';
import { RateLimitedError } from '@app/domain';
import { FailOpenLog } from './fail-open-log';
import { metrics } from './metrics';
import { signedAppOf } from './signature.guard';

/** `app`: signed ingestion, per app. `key`: the admin API, per API key. */
export type LimitKind = 'app' | 'key';

export interface Quota {
  limit: number;
  remaining: number;
}

/**
 * rate-limiter-flexible's own script with one change: points that do not fit are not taken. A refused batch of 10
 * with 3 points left keeps those 3 for smaller requests, and a client retrying too early does not dig itself deeper.
 * The window is fixed: it starts with the first counted request and is never extended. Returns {consumed, pttl};
 * consumed above the limit means refused (the library then rejects with a RateLimiterRes).
 */
const TAKE_IF_IT_FITS = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX') \
local consumed = tonumber(redis.call('get', KEYS[1])) + tonumber(ARGV[1]) \
if consumed <= tonumber(ARGV[3]) then redis.call('incrby', KEYS[1], ARGV[1]) end \
local ttl = redis.call('pttl', KEYS[1]) \
if ttl == -1 then \
  redis.call('expire', KEYS[1], ARGV[2]) \
  ttl = 1000 * ARGV[2] \
end \
return {consumed, ttl}`;

interface Waiter {
  points: number;
  /** Answered (by Redis, or uncounted when its wait ran out): later answers are ignored. */
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve: (quota: Quota | undefined) => void;
  reject: (err: unknown) => void;
}
interface Lane {
  busy: boolean;
  waiting: Waiter[];
}

const WINDOW_SECONDS = 60;
const WARN_EVERY_MS = 30_000;
/** How long a starting process waits for the limiter's Redis before serving (uncounted, failing open). */
const READY_WAIT_MS = 2000;

@Injectable()
export class RateLimits implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('rate-limits');
  private readonly redis: RedisClient;
  private readonly limiters: Record<LimitKind, RateLimiterRedis>;
  private readonly failOpenLog = new FailOpenLog(WARN_EVERY_MS, (line) => this.logger.warn(line));
  private readonly lanes = new Map<string, Lane>();
  private readonly timeoutMs: number;

  constructor(@Inject(LOOKBACK_CONFIG) config: LookbackConfig) {
    this.timeoutMs = config.rateLimitTimeoutMs;
    // A connection of its own, failing fast: the queues' connections hold commands until Redis returns, which would
    // hold every signed request with them. No offline queue, no retries, a command timeout: while Redis is away or
    // slow, a request waits at most rateLimitTimeoutMs and is then served uncounted.
    this.redis = createRedisClient(config, 'rate-limits', {
      connection: { maxRetriesPerRequest: 0, commandTimeout: config.rateLimitTimeoutMs, connectTimeout: 1500 },
      enableOfflineQueue: false,
      lazyConnect: true,
      retryDelay: () => 1000,
    });
    // Connection errors are reported through the requests that fail open (one warning per interval), not here.
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
    const limiter = (kind: LimitKind, points: number) =>
      new RateLimiterRedis({
        storeClient: this.redis,
        // Without the prefix's hash tag: each counter is one key, so on a Redis Cluster the apps' and keys'
        // counters spread over the slots instead of all landing on the node that holds the queues.
        keyPrefix: `${config.queuePrefix.replace(/[{}]/g, '')}:rate-limit:${kind}`,
        points,
        duration: WINDOW_SECONDS,
        rejectIfRedisNotReady: true,
        customIncrTtlLuaScript: TAKE_IF_IT_FITS,
      });
    this.limiters = { app: limiter('app', config.rateLimitAppPerMinute), key: limiter('key', config.rateLimitKeyPerMinute) };
  }

  /**
   * Takes `points` from `id`'s budget for this minute, or throws RateLimitedError and takes nothing. Resolves
   * undefined when Redis could not answer in time: the request is served (an MMP must not drop an install because
   * Redis blinked), counted in lookback_rate_limit_fail_open_total and logged once per interval.
   */
  take(kind: LimitKind, id: string, points = 1): Promise<Quota | undefined> {
    const key = `${kind}:${id}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(key, lane);
    }
    const joined = lane;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { points, settled: false, timer: undefined, resolve, reject };
      const settle = (answer: () => void) => {
        if (waiter.settled) return;
        waiter.settled = true;
        clearTimeout(waiter.timer);
        answer();
      };
      waiter.resolve = (quota) => settle(() => resolve(quota));
      waiter.reject = (err) => settle(() => reject(err));
      // Waiting behind another call (or a slow Redis) never lasts longer than one call would: the request is then
      // served uncounted, as when Redis does not answer in time.
      waiter.timer = setTimeout(() => this.serveUncounted(kind, waiter, new Error(`rate limit timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      joined.waiting.push(waiter);
      if (!joined.busy) void this.drain(kind, id, key, joined);
    });
  }

  /**
   * One Redis call per app at a time: requests arriving while it is out join the next call, which takes their
   * points together (a round trip per request was a tenth of a signed install's CPU). Alone, a request is asked
   * at once, so a quiet app waits no longer than before.
   */
  private async drain(kind: LimitKind, id: string, key: string, lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (lane.waiting.length > 0) {
        const group = lane.waiting.splice(0).filter((w) => !w.settled);
        if (group.length > 0) await this.takeTogether(kind, id, group);
      }
    } catch (err) {
      // Not expected (every Redis answer is handled below); a request must never hang on the limiter for it.
      for (const w of lane.waiting.splice(0)) this.serveUncounted(kind, w, err);
    } finally {
      this.lanes.delete(key);
    }
  }

  private async takeTogether(kind: LimitKind, id: string, group: Waiter[]): Promise<void> {
    const alone = (w: Waiter) => this.takeAlone(kind, id, w);
    if (group.length === 1) return alone(group[0]);
    const limiter = this.limiters[kind];
    let left = group.reduce((n, w) => n + w.points, 0);
    try {
      const res = await limiter.consume(id, left);
      // Each is told what was left after its own points, as if they had been taken one after the other.
      for (const w of group) w.resolve({ limit: limiter.points, remaining: res.remainingPoints + (left -= w.points) });
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        for (const w of group) this.serveUncounted(kind, w, err);
        return;
      }
      // Together they do not fit (nothing was taken). With nothing left at all, each would be refused alone with
      // this very answer: refuse them from it. Otherwise each asks alone, so each gets the answer it would have had.
      const limit = limiter.points;
      if (limit - (err.consumedPoints - left) <= 0) {
        for (const w of group) if (!w.settled) w.reject(this.refused(kind, w.points, limit, 0, err.msBeforeNext));
        return;
      }
      await Promise.all(group.filter((w) => !w.settled).map(alone));
    }
  }

  private async takeAlone(kind: LimitKind, id: string, w: Waiter): Promise<void> {
    const limiter = this.limiters[kind];
    const limit = limiter.points;
    try {
      const res = await limiter.consume(id, w.points);
      w.resolve({ limit, remaining: res.remainingPoints });
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) return this.serveUncounted(kind, w, err);
      w.reject(this.refused(kind, w.points, limit, Math.max(0, limit - (err.consumedPoints - w.points)), err.msBeforeNext));
    }
  }

  /** Served without counting, once: Redis did not answer, or not in time. */
  private serveUncounted(kind: LimitKind, w: Waiter, err: unknown): void {
    if (w.settled) return;
    this.failedOpen(kind, err);
    w.resolve(undefined);
  }

  private refused(kind: LimitKind, points: number, limit: number, remaining: number, msBeforeNext: number): RateLimitedError {
    metrics.rateLimited.inc({ limit: kind });
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new RateLimitedError(refusal(kind, points, limit, remaining, retryAfter), retryAfter, limit, remaining);
  }

  private failedOpen(kind: LimitKind, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const reason = /timed? ?out/i.test(message) ? 'timeout' : 'unavailable';
    metrics.rateLimitFailOpen.inc({ limit: kind, reason });
    this.failOpenLog.note(reason, message, Date.now());
  }

  /**
   * Counting starts with the process: requests served before the connection is up would go uncounted (seen as
   * a loaded machine's first installs passing the limit). Waits for it a bounded time; Redis being down at boot
   * then means failing open, as later.
   */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, READY_WAIT_MS);
      this.redis.once('ready', done);
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

function refusal(kind: LimitKind, points: number, limit: number, remaining: number, retryAfter: number): string {
  const who = kind === 'app' ? 'this app' : 'this API key';
  const unit = kind === 'app' ? 'signed installs and events' : 'requests';
  if (points > limit) return `This batch of ${points} is more than ${who}'s limit of ${limit} ${unit} a minute; send smaller batches.`;
  if (points > 1 && remaining > 0) {
    return `This batch of ${points} needs more than the ${remaining} left of ${who}'s ${limit} ${unit} a minute; nothing was stored. Retry in ${retryAfter} s or send a smaller batch.`;
  }
  return `${who[0].toUpperCase()}${who.slice(1)} used its ${limit} ${unit} for this minute; retry in ${retryAfter} s.`;
}

/** Tells the client its budget on every counted answer; not sent when the limiter failed open (nothing was counted). */
export function sendQuota(reply: FastifyReply, quota: Quota | undefined): void {
  if (!quota) return;
  void reply.header('x-ratelimit-limit', String(quota.limit)).header('x-ratelimit-remaining', String(quota.remaining));
}

const ITEMS_FIELD = 'rate-limit:items-field';
/** A batch route: each item of body[field] costs one point, so a batch of N weighs what N single requests do. */
export const CountItems = (field: string) => SetMetadata(ITEMS_FIELD, field);

/**
 * Per-app limit of signed ingestion. Goes after SignatureGuard (`@UseGuards(SignatureGuard, AppRateLimitGuard)`):
 * only a verified request is counted, so an unsigned or forged one is a 401 that costs the app nothing.
 */
@Injectable()
export class AppRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimits,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const appId = signedAppOf(req);
    if (appId === undefined) throw new Error('AppRateLimitGuard must run after SignatureGuard');
    const field = this.reflector.getAllAndOverride<string | undefined>(ITEMS_FIELD, [context.getHandler(), context.getClass()]);
    const items = field ? (req.body as Record<string, unknown>)[field] : undefined;
    const points = Array.isArray(items) && items.length > 0 ? items.length : 1;
    sendQuota(http.getResponse<FastifyReply>(), await this.limits.take('app', appId, points));
    return true;
  }
}
