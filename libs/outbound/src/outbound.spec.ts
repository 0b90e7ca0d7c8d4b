import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@app/config';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { isPublicAddress } from './address-guard';
import { MAX_RESPONSE_BYTES, OutboundService } from './outbound.service';

/** Local partners that misbehave in the ways real ones do. Each test gets its own server on an ephemeral port. */
async function partner(handler: (res: ServerResponse, socket: Socket) => void): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    handler(res, req.socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pb?x=1`, server, hits: () => hits };
}

function drip(socket: Socket, text: string, everyMs: number): NodeJS.Timeout {
  let i = 0;
  const t = setInterval(() => {
    if (i >= text.length || socket.destroyed) return clearInterval(t);
    socket.write(text[i++]);
  }, everyMs);
  return t;
}

function outbound(env: Record<string, string> = {}): OutboundService {
  return new OutboundService(loadConfig({ OUTBOUND_ALLOW_PRIVATE: 'true', OUTBOUND_TIMEOUT_MS: '400', ...env }));
}

describe('OutboundService', () => {
  const servers: Server[] = [];
  const services: OutboundService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.onApplicationShutdown();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  const make = (env?: Record<string, string>) => {
    const s = outbound(env);
    services.push(s);
    return s;
  };

  it('a partner that answers a byte a second fails at the total deadline, not after the whole answer', async () => {
    const p = await partner((_res, socket) => {
      drip(socket, 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', 100);
    });
    servers.push(p.server);
    const started = Date.now();
    const result = await make().send({ method: 'GET', url: p.url });
    const elapsed = Date.now() - started;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/timed out after 400 ms/);
    // The request reached the partner: repeating it could make a second postback.
    expect(result.sent).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(1500);
  });

  it('a 2xx with a slow body is the partner\'s answer; the body is cut at the deadline', async () => {
    const p = await partner((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('x')), 100);
    });
    servers.push(p.server);
    const started = Date.now();
    const result = await make().send({ method: 'GET', url: p.url });
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reads at most a bounded body', async () => {
    const p = await partner((res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 50 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      res.on('close', () => (sent = Infinity));
    });
    servers.push(p.server);
    const result = await make({ OUTBOUND_TIMEOUT_MS: '5000' }).send({ method: 'GET', url: p.url });
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(MAX_RESPONSE_BYTES).toBe(64 * 1024);
  });

  it('a refused connection was never sent, so it is safe to repeat', async () => {
    const p = await partner(() => undefined);
    const url = p.url;
    await new Promise((r) => p.server.close(r));
    const result = await make().send({ method: 'GET', url });
    expect(result).toMatchObject({ ok: false, statusCode: null, sent: false });
    expect(result.error).toMatch(/ECONNREFUSED|connect/i);
  });

  it('a non-2xx is a failed answer, and a 3xx is not followed', async () => {
    const p = await partner((res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/' });
      res.end();
    });
    servers.push(p.server);
    const result = await make().send({ method: 'GET', url: p.url });
    expect(result).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302', sent: true });
    expect(p.hits()).toBe(1);
  });

  it('sends the method, headers and body given', async () => {
    let seen: { method?: string; body: string; sig?: string; type?: string } = { body: '' };
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, body, sig: req.headers['webhook-signature'] as string, type: req.headers['content-type'] };
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const result = await make().send({ method: 'POST', url, body: '{"a":1}', headers: { 'webhook-signature': 'v1,abc' } });
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(seen).toEqual({ method: 'POST', body: '{"a":1}', sig: 'v1,abc', type: 'application/json' });
  });

  it('refuses private addresses unless allowed, before any connection', async () => {
    const p = await partner((res) => res.end('ok'));
    servers.push(p.server);
    const guarded = make({ OUTBOUND_ALLOW_PRIVATE: 'false' });
    expect(await guarded.send({ method: 'GET', url: p.url })).toMatchObject({ ok: false, sent: false, error: 'blocked: 127.0.0.1 is not a public address' });
    const byName = await guarded.send({ method: 'GET', url: p.url.replace('127.0.0.1', 'localhost') });
    expect(byName).toMatchObject({ ok: false, sent: false });
    expect(byName.error).toMatch(/blocked: localhost is not a public address/);
    // Blocked either way, and for good: no retry can make the address public.
    expect(byName.final).toBe(true);
    expect(p.hits()).toBe(0);
  });

  it('a name that resolves to a private address is refused after DNS, for good', async () => {
    const p = await partner((res) => res.end('ok'));
    servers.push(p.server);
    // This machine's own name resolves to a loopback or private address (here through /etc/hosts).
    const { address } = await lookup(hostname());
    expect(isPublicAddress(address)).toBe(false);
    const result = await make({ OUTBOUND_ALLOW_PRIVATE: 'false' }).send({ method: 'GET', url: p.url.replace('127.0.0.1', hostname()) });
    expect(result).toMatchObject({ ok: false, sent: false, final: true });
    expect(result.error).toMatch(/resolves to no public address/);
    expect(p.hits()).toBe(0);
    // Allowed, the same name is called.
    expect(await make().send({ method: 'GET', url: p.url.replace('127.0.0.1', hostname()) })).toMatchObject({ ok: true, final: false });
  });

  it('cuts calls in flight shortly after shutdown begins and refuses new ones', async () => {
    const p = await partner(() => undefined); // never answers
    servers.push(p.server);
    const service = make({ OUTBOUND_TIMEOUT_MS: '60000' });
    const started = Date.now();
    const call = service.send({ method: 'GET', url: p.url });
    await new Promise((r) => setTimeout(r, 100));
    service.beforeApplicationShutdown();
    expect(await service.send({ method: 'GET', url: p.url })).toMatchObject({ ok: false, sent: false });
    const result = await call;
    expect(result).toMatchObject({ ok: false, sent: true });
    expect(result.error).toMatch(/the process is stopping/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);
});
