import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';
import type { LookbackConfig } from '@app/config';

const QUIET = /^\/(c|i|p)\/|^\/health|^\/metrics/;

/** pino logs; the tracking links are not logged per request (they are counted in /metrics instead). */
export function loggingModule(config: LookbackConfig, name: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      name,
      level: config.logLevel,
      autoLogging: { ignore: (req) => QUIET.test(req.url ?? '') },
      redact: ['req.headers.authorization', 'req.headers["x-lookback-signature"]'],
      quietReqLogger: true,
      // The id Fastify gave the request (the caller's X-Request-Id, or a new one), already on the response.
      genReqId: (req, res) => String(res.getHeader('x-request-id') ?? (req as { id?: unknown }).id ?? ''),
    },
  });
}
