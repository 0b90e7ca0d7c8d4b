import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/*
 * Errors raised before any route runs answer with the contract's error body too, not Fastify's own
 * `{error, message, statusCode}`: a client (or an ad network's retry logic) reads one shape everywhere.
 */

const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/**
 * Node's HTTP parser gave up on the request (headers or URL over the size limit, a malformed request line, a
 * client too slow to send its headers): answered on the raw socket, which is then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, errorBody('headers_too_large', 'The request line and headers are larger than this server accepts; send a shorter URL or fewer headers.')]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, errorBody('request_timeout', 'The request was not received in time.')]
        : [400, errorBody('bad_request', 'The request is not valid HTTP.')];
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * The router could not read the path: a percent-escape that is not UTF-8 (`%C0%80`, `%FF`), or a path segment
 * longer than the router's limit. The message leaves the URL out (it can be kilobytes of anything).
 */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  const [status, code, message] =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'uri_too_long', 'A path segment of the URL is longer than this server accepts.']
      : err.code === 'FST_ERR_BAD_URL'
        ? [400, 'invalid_url', 'The URL path holds a percent-escape that is not valid UTF-8.']
        : [500, 'internal_error', 'Something went wrong on our side.'];
  void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(errorBody(code, message));
}
