// The ingestion API's OpenAPI document: Nest generates the signed routes (installs, events, health) from their
// decorators; the plain Fastify routes (/c, /i, /p, /t.js), which Nest cannot see, are described here by hand.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '@app/http';

/** The header every signed call carries. */
export const SIGNATURE_HEADER = {
  name: 'X-Lookback-Signature',
  required: true,
  description:
    "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the app's `sdkSecret` (from `POST /v1/apps`). " +
    'Missing, malformed or wrong, or naming an unknown app: 401 before the body is looked at.',
  schema: { type: 'string', pattern: '^sha256=[0-9a-fA-F]{64}$', example: 'sha256=3f0a…' },
} as const;

/** Error answers of a signed ingestion route. */
export const IngestionErrors = errorResponses({
  400: 'Invalid input; `error.field` names the part at fault.',
  401: 'Missing or wrong `X-Lookback-Signature`, or an unknown app (`invalid_signature`).',
  413: 'The body is too large.',
  415: 'The body is not `application/json`.',
  429: "Over the app's rate limit (`RATE_LIMIT_APP_PER_MINUTE`): retry after `Retry-After` seconds.",
  503: 'PostgreSQL is unavailable and nothing was stored: retry.',
});

const ERROR = { $ref: '#/components/schemas/ErrorResponse' };
const GIF = { 'image/gif': { schema: { type: 'string', format: 'binary' } } };
const NO_STORE = { 'Cache-Control': { description: '`no-store`', schema: { type: 'string' } } };
const text = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string', maxLength: 512 } });

const TOUCH_PARAMETERS = [
  { name: 'campaignId', in: 'path', required: true, description: 'The campaign (its `trackingUrl` holds it).', schema: { type: 'string' } },
  text('click_id', "The ad network's own click id, echoed back in postbacks as `{click_id}`."),
  text('gaid', 'Google advertising id; all zeros means none.'),
  text('idfa', 'Apple advertising id; all zeros means none.'),
  text('site_id', 'Where the ad ran.'),
  text('creative', 'Which creative was shown.'),
  ...[1, 2, 3, 4, 5].map((n) => text(`sub${n}`, 'Free sub-parameter, stored with the touch.')),
];

const PIXEL_PARAMETERS = [
  { name: 'appId', in: 'path', required: true, description: 'The app; the path ends in `.gif`.', schema: { type: 'string', format: 'uuid' } },
  { name: 'e', in: 'query', required: true, description: 'The event name.', schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$', example: 'purchase' } },
  text('uid', "Your user id: the same id as installs' and events' `customerUserId`."),
  text('v', 'Revenue as a decimal, e.g. 19.90 (needs `cur`).'),
  text('cur', 'ISO 4217 currency, e.g. EUR.'),
  text('eid', 'Your event id: a repeated eid is counted once.'),
  text('lcid', 'The `lookback_click_id` your landing page received: credits the event to its campaign.'),
  text('url', 'The page URL (default: the Referer header).'),
  text('ref', "The page's own referrer."),
  { name: 'ca', in: 'query', required: false, description: '`0` when the visitor refused attribution.', schema: { type: 'string', enum: ['0', '1', 'false', 'true'] } },
  { name: 'test', in: 'query', required: false, description: '`1`: checked and shown in pixel health, never stored nor counted.', schema: { type: 'string', enum: ['1', 'true'] } },
  { name: 'debug', in: 'query', required: false, description: '`1`: what Lookback understood, in `X-Lookback-Debug`.', schema: { type: 'string', enum: ['1', 'true'] } },
];

/** The routes registered on Fastify directly (tracking.routes.ts, pixel.route.ts, web-tag.route.ts). */
const FASTIFY_PATHS: OpenAPIObject['paths'] = {
  '/c/{campaignId}': {
    get: {
      tags: ['tracking'],
      operationId: 'click',
      summary: 'Tracking link: records the click and redirects to the campaign destination.',
      description:
        "Always to the campaign's configured `destinationUrl`, with `{lookback_click_id}`, `{click_id}` and `{campaign_id}` " +
        'filled; no query parameter can change where it goes. A paused campaign redirects without recording a click.',
      parameters: TOUCH_PARAMETERS as never,
      responses: {
        '302': {
          description: 'To the destination.',
          headers: { Location: { description: 'The destination, macros filled.', schema: { type: 'string' } }, ...NO_STORE },
        },
        '404': { description: 'Unknown or archived campaign.', content: { 'application/json': { schema: ERROR } } },
        '503': { description: 'The campaign could not be read (PostgreSQL down and not cached).', content: { 'application/json': { schema: ERROR } } },
      },
    },
  },
  '/i/{campaignId}': {
    get: {
      tags: ['tracking'],
      operationId: 'impression',
      summary: 'Impression pixel: records a view-through touch; always the 1×1 GIF.',
      description: 'An unknown, paused or archived campaign records nothing and still gets its image.',
      parameters: TOUCH_PARAMETERS as never,
      responses: { '200': { description: 'The transparent 1×1 GIF.', headers: NO_STORE, content: GIF } },
    },
  },
  '/p/{appId}.gif': {
    get: {
      tags: ['pixel'],
      operationId: 'pixel',
      summary: 'Web event pixel: records a web event (source `pixel`); always the 43-byte GIF.',
      description:
        'Bad hits (unknown app, event name not accepted, placeholder left unfilled, bad revenue) are counted per reason in ' +
        '`GET /v1/apps/{id}/pixel/health` and never stored; the answer is the same GIF, so a page never shows a broken image.',
      parameters: PIXEL_PARAMETERS as never,
      responses: {
        '200': {
          description: 'The transparent 1×1 GIF, whatever the hit.',
          headers: {
            ...NO_STORE,
            'X-Lookback-Debug': { description: 'With `debug=1`: JSON of what Lookback made of the hit.', schema: { type: 'string' } },
          },
          content: GIF,
        },
      },
    },
  },
  '/t.js': {
    get: {
      tags: ['pixel'],
      operationId: 'webTag',
      summary: 'The web tag: a small script that sends page views and `lookback(...)` calls through the pixel.',
      parameters: [
        { name: 'If-None-Match', in: 'header', required: false, description: 'A 304 when it names the current ETag.', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'The script (gzip when accepted); cacheable for an hour, stale-while-revalidate a day.',
          headers: { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } } },
          content: { 'text/javascript': { schema: { type: 'string' } } },
        },
        '304': { description: 'Not modified.' },
        '404': { description: 'The tag is not built (`npm run build`).', content: { 'application/json': { schema: ERROR } } },
      },
    },
  },
  '/docs/json': {
    get: {
      tags: ['docs'],
      operationId: 'openApiDocument',
      summary: 'This document.',
      responses: { '200': { description: 'OpenAPI 3.0.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};

export function ingestionDocument(app: NestFastifyApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lookback ingestion API')
      .setDescription(
        'Clicks, impressions, the web pixel and tag (public, unauthenticated), and installs and events from SDKs and ' +
          "servers, signed with the app's `sdkSecret` in `X-Lookback-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.",
      )
      .setVersion('1')
      .build(),
  );
  // TRACKING_ROUTES=nest serves /c and /i from a controller; they answer the same, so one description stands.
  doc.paths = { ...doc.paths, ...FASTIFY_PATHS };
  return doc;
}

/**
 * `GET /docs/json`, serialized once at start: a plain route like the hot paths, so it adds nothing to theirs. No
 * UI on the public ingestion host; the admin process serves one for its own document.
 */
export function registerDocsRoute(fastify: FastifyInstance, doc: OpenAPIObject): void {
  const body = JSON.stringify(doc);
  fastify.get('/docs/json', async (_req, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(body),
  );
}
