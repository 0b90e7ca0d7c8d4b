// The queue dashboard (@bull-board) at /queues on the admin API, for operators holding the admin key.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { timingSafeEqual } from 'node:crypto';
import type { LookbackConfig } from '@app/config';
import { ALL_QUEUES } from '@app/queues';

export const DASHBOARD_PATH = '/queues';

/** The owner key as a bearer token, or as the password of HTTP Basic auth (what a browser can send by itself). */
function presentedKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

const sameKey = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Mounts the dashboard as a Fastify plugin (it lives outside Nest's router, so the API-key guard does not see it):
 * its own hook lets only the admin key in. Without ADMIN_API_KEY there is no dashboard.
 */
export async function mountQueueDashboard(app: NestFastifyApplication, config: LookbackConfig): Promise<void> {
  const ownerKey = config.adminApiKey;
  if (!ownerKey) return;
  const board = new FastifyAdapter();
  board.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: ALL_QUEUES.map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))), serverAdapter: board });
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (req, reply) => {
        const key = presentedKey(req.headers.authorization);
        if (key === undefined || !sameKey(key, ownerKey)) {
          await reply
            .code(401)
            .header('www-authenticate', 'Basic realm="Lookback queues", charset="UTF-8"')
            .send({ error: { code: 'unauthorized', message: 'The queue dashboard needs the admin key (Bearer, or as the Basic auth password).' } });
        }
      });
      await scope.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
    },
  );
}
