import type { FastifyInstance } from 'fastify';
import type { PixelService } from './pixel.service';

/** The 43-byte transparent 1×1 GIF. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** Header values must be ASCII: escape anything else JSON would leave raw. */
const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `GET /p/{appId}.gif` as a plain Fastify route: the pixel is a hot path with no body to validate and no
 * error body to shape (it always answers the GIF), so Nest's guards, pipes and filters would only cost time.
 */
export function registerPixelRoute(fastify: FastifyInstance, pixel: PixelService): void {
  fastify.get<{ Params: { file: string }; Querystring: Record<string, unknown> }>('/p/:file', async (req, reply) => {
    let debug: string | undefined;
    try {
      const referer = req.headers.referer;
      const outcome = await pixel.hit(req.params.file, req.query ?? {}, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        referer: typeof referer === 'string' ? referer : undefined,
      });
      const d = req.query?.debug;
      if (d === '1' || d === 'true') debug = asciiJson(outcome);
    } catch {
      // Never a broken image: whatever failed is counted in the service or lost with this one hit.
    }
    void reply
      .code(200)
      .header('content-type', 'image/gif')
      .header('cache-control', 'no-store')
      .header('content-length', PIXEL_GIF.length);
    if (debug) void reply.header('x-lookback-debug', debug);
    return reply.send(PIXEL_GIF);
  });
}
