// The hottest public paths (/c, /i, /p) on a lean Fastify of their own, served by the app's one HTTP server.
import fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { toErrorResponse } from './error.filter';

/**
 * Nest's Fastify adapter hangs its lifecycle on every request of its instance: seven onRequest hooks (CORS,
 * security headers, versioning, shutdown…), middie for Nest middleware, and pino-http's per-request logger —
 * about a third of the CPU a tracking hit took, for paths that use none of it (measured with node --cpu-prof under
 * `npm run bench`). Requests whose path starts with one of `prefixes` are handed by the server to this instance
 * instead, built with the same options (trusted proxies, request ids, router limits, error bodies) and the same
 * two hooks (X-Request-Id echoed, per-route count and latency): same answers, same /metrics series.
 */
export class HotRoutes {
  private instance: FastifyInstance | undefined;
  private serving = false;

  constructor(readonly prefixes: readonly string[]) {}

  /** Called by createHttpApp with the options of the app's own instance; then routes go on `fastify`. */
  attach(options: FastifyServerOptions, instrument: (f: FastifyInstance) => void): void {
    const f = fastify(options);
    instrument(f);
    f.setNotFoundHandler((_req, reply) => {
      void reply
        .code(404)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ error: { code: 'not_found', message: 'No such route.' } });
    });
    f.setErrorHandler((err, _req, reply) => {
      const { status, body, headers } = toErrorResponse(err);
      void reply.code(status).headers(headers ?? {}).header('content-type', 'application/json; charset=utf-8').send(body);
    });
    this.instance = f;
  }

  get fastify(): FastifyInstance {
    if (!this.instance) throw new Error('HotRoutes: pass it to createHttpApp before registering routes');
    return this.instance;
  }

  /** Starts serving once every route is registered; until then the app's own instance answers everything. */
  async ready(): Promise<void> {
    await this.fastify.ready();
    this.serving = true;
  }

  async close(): Promise<void> {
    this.serving = false;
    await this.instance?.close();
  }

  /** Whether this request goes to the lean instance (a prefix match on the raw URL; the router decides the rest). */
  takes(url: string | undefined): boolean {
    if (!this.serving || url === undefined) return false;
    for (const p of this.prefixes) if (url.startsWith(p)) return true;
    return false;
  }
}
