// Decorators for the OpenAPI document of every admin route.
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { errorResponses } from '@app/http';

/** Error answers of an admin operation: `@ApiErrors(400, 404, [409, 'when it conflicts'])`. */
export const ApiErrors = errorResponses({
  400: 'Invalid input; `error.field` names the part at fault.',
  401: 'No API key, or one that is unknown or revoked.',
  403: 'The key lacks the scope this needs (`insufficient_scope`), or is limited to some apps and this reaches every app (`key_limited_to_apps`).',
  404: "No such resource, or one of an app outside the key's `appIds`.",
  409: 'Conflicts with the state of the resource.',
  413: 'The body is too large.',
  415: 'The body is not `application/json`.',
  429: 'Over the key\'s rate limit: retry after `Retry-After` seconds.',
});

/** Every admin controller: bearer auth, and the answers any route may give for the key (401, 429). */
export const AdminApi = () => applyDecorators(ApiBearerAuth(), ApiErrors(401, 429));
