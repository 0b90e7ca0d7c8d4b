import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request as undiciRequest } from 'undici';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { blockedHost, isPublicAddress } from './address-guard';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * `ok`: the partner answered 2xx. `sent`: whether the partner may have received the request. A call that
 * failed before a connection existed (bad URL, blocked address, DNS, refused, connect timeout) was certainly
 * not received and is safe to repeat; one that failed after (deadline while waiting for the answer, reset)
 * may have been acted on — repeating it can mean a second postback.
 */
export interface OutboundResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  sent: boolean;
  /**
   * No retry can change the answer: the URL is invalid, its protocol is not allowed, or its host is an address
   * that may not be called (checked before any connection, or after DNS).
   */
  final: boolean;
}

/** Bytes of a response body read before the connection is dropped: partners answer with a line, not a page. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Once the process is stopping, calls in flight get this long before they are cut (and recorded as uncertain). */
export const SHUTDOWN_GRACE_MS = 3000;

const NOT_SENT_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_OUTBOUND_BLOCKED',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_ABORTED') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  const cause = e?.cause?.message;
  return cause && cause !== e.message ? `${e.message}: ${cause}` : (e?.message ?? String(err));
}

/**
 * The one way out of Lookback. Every call has a total deadline of OUTBOUND_TIMEOUT_MS from the first byte of
 * DNS to the end of the answer (an idle timeout would let a partner sending a byte a second hold a delivery
 * slot forever). The address check happens inside the socket's own DNS lookup, so the address that was checked
 * is the address that is dialled (no window for DNS rebinding). Redirects are not followed: a 3xx counts as a
 * failed attempt, like any other non-2xx.
 */
@Injectable()
export class OutboundService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly inFlight = new Set<AbortController>();
  private isStopping = false;

  constructor(@Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig) {
    const allowPrivate = config.outboundAllowPrivate;
    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
        if (usable.length === 0) {
          const blocked = Object.assign(new Error(`blocked: ${hostname} resolves to no public address`), {
            code: 'ERR_OUTBOUND_BLOCKED',
          });
          return callback(blocked, '', 0);
        }
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        return callback(null, usable[0].address, usable[0].family);
      });
    };
    const timeout = config.outboundTimeoutMs;
    this.agent = new Agent({
      connect: { lookup: guardedLookup, timeout: Math.max(50, Math.floor(timeout / 2)) },
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 4000,
      connections: 16,
    });
  }

  /** True once the process is stopping: callers should not claim new work for a call that would be refused. */
  get stopping(): boolean {
    return this.isStopping;
  }

  async send(request: OutboundRequest): Promise<OutboundResult> {
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null, sent: boolean, final = false): OutboundResult => ({
      ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
      statusCode,
      error: error ?? (statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null),
      durationMs: Math.round(performance.now() - started),
      sent,
      final,
    });

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return done(null, 'invalid URL', false, true);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return done(null, `protocol ${url.protocol} not allowed`, false, true);
    // An IP literal is dialled without a lookup, so the guard inside the lookup never sees it.
    const blocked = this.config.outboundAllowPrivate ? undefined : blockedHost(url);
    if (blocked !== undefined) return done(null, `blocked: ${blocked} is not a public address`, false, true);
    if (this.isStopping) return done(null, 'not sent: the process is stopping', false);

    const timeoutMs = this.config.outboundTimeoutMs;
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    this.inFlight.add(controller);
    let statusCode: number | null = null;
    try {
      const res = await undiciRequest(url, {
        method: request.method,
        dispatcher: this.agent,
        signal: controller.signal,
        headers: {
          'user-agent': 'Lookback/1 (+postback)',
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        body: request.body,
      });
      statusCode = res.statusCode;
      // The status line is the partner's answer. The body is read only to reuse the connection, up to a bound
      // and within the same deadline; a slow or huge body does not turn an accepted postback into a failure.
      let seen = 0;
      try {
        for await (const chunk of res.body) {
          seen += (chunk as Buffer).length;
          if (seen > MAX_RESPONSE_BYTES) {
            res.body.destroy();
            break;
          }
        }
      } catch {
        // Answer already known.
      }
      return done(statusCode, null, true);
    } catch (err) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason as Error | undefined;
        return done(statusCode, reason?.message ?? 'aborted', true);
      }
      const code = errorCode(err);
      return done(statusCode, errorMessage(err), !(code && NOT_SENT_CODES.has(code)), code === 'ERR_OUTBOUND_BLOCKED');
    } finally {
      clearTimeout(deadline);
      this.inFlight.delete(controller);
    }
  }

  /**
   * Slow partners must not hold a stopping process: new calls are refused at once (nothing was sent, they are
   * retried later) and calls in flight are cut after SHUTDOWN_GRACE_MS, while the database is still open to
   * record them.
   */
  beforeApplicationShutdown(): void {
    if (this.isStopping) return;
    this.isStopping = true;
    if (this.inFlight.size === 0) return;
    const timer = setTimeout(() => {
      for (const c of this.inFlight) c.abort(new Error(`cut after ${SHUTDOWN_GRACE_MS} ms: the process is stopping`));
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
