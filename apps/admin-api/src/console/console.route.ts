// GET /console: the growth teams' console, static files from `npm run build` (apps/admin-api/console/build.mjs).
import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the build writes it; processes run from the repository root (as for the web tag). */
export const CONSOLE_DIR = join(process.cwd(), 'dist/console');

/**
 * The page itself holds an API key in session storage, so it allows only its own scripts and calls to its own
 * origin, and no framing.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // uPlot and Preact set element styles from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Plain Fastify routes, outside Nest's pipeline: the API-key guard does not see them, which is the point — the
 * files are public, and every figure the page shows is fetched from /v1 with the key the user signs in with.
 * Assets have hashed names and are cached for a year as immutable; index.html is revalidated on every load, so a
 * new build is picked up at once.
 */
export async function registerConsole(fastify: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) new Logger('console').warn(`${index} is missing (run npm run build): GET /console answers 404`);
  const page = async (_req: FastifyRequest, reply: FastifyReply) => {
    let html: Buffer;
    try {
      html = await readFile(index);
    } catch {
      return reply
        .code(404)
        .header('content-type', 'application/json')
        .send({ error: { code: 'not_found', message: 'The console is not built: run npm run build, then restart the admin API.' } });
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .send(html);
  };
  fastify.get('/console', page);
  fastify.get('/console/', page);
  await fastify.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/console/assets/',
    decorateReply: false,
    index: false,
    // The build writes .br and .gz beside each asset: no compression work per request.
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    // A build that is missing or still running must not stop the admin API from starting.
    suppressWarning: true,
    setHeaders: (reply) => {
      void reply.header('x-content-type-options', 'nosniff');
    },
  });
}
