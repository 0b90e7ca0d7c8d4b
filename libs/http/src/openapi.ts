// The error body every process answers, and decorators that put it in an OpenAPI document.
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class ErrorDetail {
  @ApiProperty({ example: 'campaign_not_found' }) code!: string;
  @ApiProperty({ example: 'No campaign with that id.' }) message!: string;
  @ApiPropertyOptional({ example: 'campaignId', description: 'The path of the input at fault, e.g. `costs.0.amount`.' }) field?: string;
}

export class ErrorResponse {
  @ApiProperty({ type: ErrorDetail }) error!: ErrorDetail;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

const RATE_LIMITED_HEADERS = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
  'X-RateLimit-Limit': { description: 'Requests allowed per minute.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in this minute (0).', schema: { type: 'integer' } },
} as const;

/**
 * A decorator that documents error answers of an operation, each with the shared `{error}` body. A status alone
 * takes its usual reason from `reasons`; a `[status, why]` pair says when this operation answers it.
 */
export function errorResponses(reasons: Partial<Record<ErrorStatus, string>>) {
  return (...statuses: (ErrorStatus | [ErrorStatus, string])[]) =>
    applyDecorators(
      ApiExtraModels(ErrorResponse),
      ...statuses.map((s) => {
        const [status, description] = Array.isArray(s) ? s : [s, reasons[s] ?? ''];
        // Always JSON, also on routes that produce CSV or a GIF when they succeed.
        const content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
        return ApiResponse({ status, description, content, ...(status === 429 ? { headers: RATE_LIMITED_HEADERS } : {}) });
      }),
    );
}
