import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TRANSPARENT_GIF, toErrorResponse } from '@app/http';
import { asciiLocation } from './tracking.controller';
import type { TrackingService, TrackingQuery } from './tracking.service';

type TrackingRequest = FastifyRequest<{ Params: { campaignId: string }; Querystring: TrackingQuery }>;

/**
 * `GET /c/{campaignId}` and `GET /i/{campaignId}` as plain Fastify routes inside the Nest app: the hottest paths
 * have no body to validate and no guard, so Nest's router, pipes and interceptors only cost time there
 * (measured by `npm run bench`, which runs both ways). Same service, same answers, same error body.
 */
export function registerTrackingRoutes(fastify: FastifyInstance, tracking: TrackingService): void {
  fastify.get('/c/:campaignId', async (req: TrackingRequest, reply: FastifyReply) => {
    try {
      const location = await tracking.click(req.params.campaignId, req.query ?? {}, { ip: req.ip, userAgent: req.headers['user-agent'] });
      return reply.code(302).header('cache-control', 'no-store').header('location', asciiLocation(location)).send();
    } catch (err) {
      const { status, body, headers } = toErrorResponse(err);
      return reply.code(status).headers(headers ?? {}).send(body);
    }
  });

  fastify.get('/i/:campaignId', async (req: TrackingRequest, reply: FastifyReply) => {
    // An impression always answers its image: a tracking pixel must never show as broken inside an ad.
    await tracking.impression(req.params.campaignId, req.query ?? {}, { ip: req.ip, userAgent: req.headers['user-agent'] }).catch(() => false);
    return reply.code(200).header('content-type', 'image/gif').header('cache-control', 'no-store').send(TRANSPARENT_GIF);
  });
}
