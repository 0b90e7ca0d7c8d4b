import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { LookbackConfig } from '@app/config';
import { clientErrorHandler, frameworkErrors } from './client-error';
import { ErrorFilter } from './error.filter';
import { JsonShapePipe, validationPipe } from './validation';
import { metrics, startDefaultMetrics } from './metrics';
import type { HotRoutes } from './hot-routes';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every HTTP app is built the same way: Fastify (several times faster than Express under Nest 12),
 * the client IP from trusted proxies only, a body limit, the raw body kept for signature checks,
 * one error shape, one validation pipe.
 */
/** `logger`: where Nest logs while the app is being built (the process's JSON boot logger); tests leave it out. */
export interface AppOptions {
  logger?: LoggerService;
  /** Paths served by a lean Fastify of their own on the same server (see HotRoutes); the caller adds their routes. */
  hot?: HotRoutes;
}

/** Fastify's defaults, which a server of our own (serverFactory) must set itself. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function fastifyOptions(config: LookbackConfig) {
  return {
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_addr: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // Ad networks append their own parameters; never fail a click because of a long or odd query string.
    routerOptions: { maxParamLength: 500 },
    // A caller's X-Request-Id is kept when it is a sane token, else one is made; it is echoed back and logged.
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    clientErrorHandler,
    frameworkErrors,
  } satisfies FastifyServerOptions;
}

/** What every instance does per request: the request id echoed, and a count and latency per route pattern. */
function instrument(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.raw.setHeader('x-request-id', req.id);
    done();
  });
  // Counted by route pattern (never the raw URL: ids would make a series each).
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });
}

export async function createHttpApp(module: unknown, config: LookbackConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  startDefaultMetrics();
  const { hot } = options;
  hot?.attach(fastifyOptions(config), instrument);
  const adapter = new FastifyAdapter({
    ...fastifyOptions(config),
    ...(hot
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
            const server = createServer((req, res) => (hot.takes(req.url) ? hot.fastify.routing(req, res) : handler(req, res)));
            server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
            return server;
          },
        }
      : {}),
  });
  const fastify = adapter.getInstance();
  instrument(fastify);
  if (hot) fastify.addHook('onClose', async () => hot.close());
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    rawBody: true,
    ...(options.logger ? { logger: options.logger } : { bufferLogs: true }),
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(new JsonShapePipe(), validationPipe());
  // No enableShutdownHooks: runProcess (process.ts) owns the signals, so a stop is bounded and logged.
  return app;
}
