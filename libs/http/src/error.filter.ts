import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LookbackError, RateLimitedError, type ErrorKind } from '@app/domain';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Turns anything thrown into the contract's error body; only what we did not foresee becomes a 500. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof LookbackError) {
    return {
      status: STATUS[err.kind],
      body: { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } },
      headers:
        err instanceof RateLimitedError
          ? {
              'retry-after': String(Math.max(1, Math.ceil(err.retryAfterSeconds))),
              'x-ratelimit-limit': String(err.limit),
              'x-ratelimit-remaining': String(err.remaining),
            }
          : err.kind === 'rate_limited'
            ? { 'retry-after': '1' }
            : undefined,
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : err.message;
    // Nest's body parser reports malformed JSON as a plain 400; name it for what it is.
    const code =
      status === 400 && /JSON|Unexpected token|Body cannot be empty/i.test(message)
        ? 'invalid_json'
        : (CODE_BY_STATUS[status] ?? `http_${status}`);
    return { status, body: { error: { code, message } } };
  }
  // Fastify's own errors (body parsing, limits, content type) carry a statusCode and an FST_ code.
  const fst = err as { statusCode?: number; code?: string; message?: string };
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    const status = fst.statusCode;
    let code = CODE_BY_STATUS[status] ?? `http_${status}`;
    let message = fst.message ?? 'Bad request.';
    if (fst.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'The request body is larger than this endpoint accepts.';
    if (fst.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'Send the body as application/json.';
    if (fst.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      code = 'invalid_json';
      message = 'The body is empty; send a JSON object.';
    }
    if (status === 400 && (err instanceof SyntaxError || /JSON/i.test(message))) {
      code = 'invalid_json';
      message = 'The body is not valid JSON.';
    }
    return { status, body: { error: { code, message } } };
  }
  if (isDependencyDown(err)) {
    return {
      status: 503,
      body: { error: { code: 'unavailable', message: 'Storage is unavailable; nothing was stored. Retry shortly.' } },
      headers: { 'retry-after': '5' },
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Something went wrong on our side.' } } };
}

const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

/** PostgreSQL (or the network to it) is down, restarting or full: the client should retry, not give up. */
export function isDependencyDown(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  if (DOWN_CODES.has(code)) return true;
  // SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (shutdown / cannot connect now).
  if (/^(08|53|57P)/.test(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(String(e?.message ?? ''));
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500) this.logger.error(err instanceof Error ? err.stack ?? err.message : String(err));
    if (headers) reply.headers(headers);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
