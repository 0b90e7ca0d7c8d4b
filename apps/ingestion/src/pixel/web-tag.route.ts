import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` writes the tag (apps/ingestion/web-tag/build.mjs); processes run from the repository root. */
export const WEB_TAG_FILE = join(process.cwd(), 'dist/web-tag/t.js');

export interface WebTag {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export function loadWebTag(file = WEB_TAG_FILE): WebTag | undefined {
  try {
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { body, gzip: gzipSync(body, { level: 9 }), etag };
  } catch {
    return undefined;
  }
}

/** If-None-Match names our ETag (a list, `*`, or the weak form a proxy made of it). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * `GET /t.js`: the web tag, read once at start. Pages everywhere load it, so it is cacheable for an hour (and
 * served stale while revalidating for a day); a changed tag gets a new ETag and revalidation costs a 304.
 */
export function registerWebTagRoute(fastify: FastifyInstance, tag = loadWebTag()): void {
  if (!tag) new Logger('web-tag').warn(`${WEB_TAG_FILE} is missing (run npm run build): GET /t.js answers 404`);
  fastify.get('/t.js', async (req, reply) => {
    if (!tag) {
      return reply.code(404).header('content-type', 'application/json').send({ error: { code: 'not_found', message: 'The web tag is not built.' } });
    }
    void reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600, stale-while-revalidate=86400')
      .header('etag', tag.etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      // Lets a page load it with crossorigin / integrity checks.
      .header('access-control-allow-origin', '*');
    if (matches(req.headers['if-none-match'], tag.etag)) return reply.code(304).send();
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? tag.gzip : tag.body;
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.code(200).header('content-length', body.length).send(body);
  });
}
