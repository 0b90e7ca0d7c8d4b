import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signBody } from '../../libs/domain/src';

/** Put `DEEP` where a value goes; `withDeep` serializes the body with `{"a": {"a": … "leaf"}}` there, `depth` levels
 * down, as raw JSON (JSON.stringify itself runs out of stack on such a value inside Jest). */
export const DEEP = '__deep__';
export const withDeep = (body: unknown, depth: number) =>
  JSON.stringify(body).replace(`"${DEEP}"`, '{"a":'.repeat(depth) + '"leaf"' + '}'.repeat(depth));

/** POSTs a JSON body signed the way the SDK signs it. */
export async function postSigned(
  url: string,
  secret: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lookback-signature': signBody(secret, raw), ...headers },
    body: raw,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The status this sink answered with. */
  statusAnswered: number;
}

/** A stand-in ad network: records every request; answers with the next queued status, else 200. */
export class Sink {
  readonly received: Received[] = [];
  readonly statuses: number[] = [];
  /** Statuses to answer first for requests whose path starts with the key (before `statuses`). */
  readonly statusesFor = new Map<string, number[]>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = req.url ?? '';
        const queued = [...this.statusesFor].find(([prefix, list]) => url.startsWith(prefix) && list.length > 0)?.[1];
        const status = queued?.shift() ?? this.statuses.shift() ?? 200;
        this.received.push({ method: req.method ?? '', url, headers: req.headers, body, statusAnswered: status });
        res.writeHead(status);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
