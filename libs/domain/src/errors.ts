/**
 * What went wrong, in the contract's words. Services throw these; the HTTP layer maps `kind` to a status
 * and the body `{error: {code, message, field}}`. Nothing below the HTTP layer knows about status codes.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export class LookbackError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LookbackError';
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new LookbackError('invalid', code, message, field);
export const notFound = (what: string, field?: string) =>
  new LookbackError('not_found', `${what}_not_found`, `No ${what.replace(/_/g, ' ')} with that id.`, field);

/**
 * Over a per-minute budget. `retryAfterSeconds` is when the current window ends (at least 1); `remaining` is what
 * the window still holds, which a smaller batch may use at once.
 */
export class RateLimitedError extends LookbackError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly limit: number,
    readonly remaining: number,
  ) {
    super('rate_limited', 'rate_limited', message);
  }
}
