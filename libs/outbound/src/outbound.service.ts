import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { isPublicAddress } from './address-guard';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OutboundResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The one way out of Lookback. The address check happens inside the socket's own DNS lookup, so the
 * address that was checked is the address that is dialled (no window for DNS rebinding). Redirects are
 * not followed: a 3xx counts as a failed attempt, like any other non-2xx.
 */
@Injectable()
export class OutboundService {
  constructor(@Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig) {}

  async send(request: OutboundRequest): Promise<OutboundResult> {
    const started = performance.now();
    const done = (statusCode: number | null, error: string | null): OutboundResult => ({
      ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
      statusCode,
      error: error ?? (statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null),
      durationMs: Math.round(performance.now() - started),
    });

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return done(null, 'invalid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return done(null, `protocol ${url.protocol} not allowed`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.config.outboundAllowPrivate && /^[\d.]+$|:/.test(host) && !isPublicAddress(host)) {
      return done(null, `blocked: ${host} is not a public address`);
    }

    const allowPrivate = this.config.outboundAllowPrivate;
    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
        if (usable.length === 0) {
          return callback(new Error(`blocked: ${hostname} resolves to no public address`), '', 0);
        }
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        return callback(null, usable[0].address, usable[0].family);
      });
    };

    const client = url.protocol === 'https:' ? https : http;
    return new Promise<OutboundResult>((resolve) => {
      const req = client.request(
        url,
        {
          method: request.method,
          headers: {
            'user-agent': 'Lookback/1 (+postback)',
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...request.headers,
          },
          lookup: guardedLookup,
          timeout: this.config.outboundTimeoutMs,
        },
        (res) => {
          let seen = 0;
          res.on('data', (chunk: Buffer) => {
            seen += chunk.length;
            if (seen > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('end', () => resolve(done(res.statusCode ?? null, null)));
          res.on('close', () => resolve(done(res.statusCode ?? null, null)));
          res.on('error', () => resolve(done(res.statusCode ?? null, null)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.config.outboundTimeoutMs} ms`)));
      req.on('error', (err) => resolve(done(null, err.message)));
      if (request.body !== undefined) req.write(request.body);
      req.end();
    });
  }
}
