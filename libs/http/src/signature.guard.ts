import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BODY_SIGNATURE, LookbackError, invalid, isUuid, verifyBodySignature } from '@app/domain';

/** Finds an app's SDK secret; provided by the app that uses the guard (ingestion caches it). */
export interface SdkSecretResolver {
  sdkSecret(appId: string): Promise<string | undefined>;
}
export const SDK_SECRET_RESOLVER = Symbol('SDK_SECRET_RESOLVER');

const SIGNED_APP = Symbol('signed-app');
/** The app whose secret verified this request's signature; undefined before SignatureGuard let it through. */
export function signedAppOf(req: FastifyRequest): string | undefined {
  return (req as unknown as { [SIGNED_APP]?: string })[SIGNED_APP];
}

/**
 * Authenticates a signed request before anything else reads it: `X-Lookback-Signature: sha256=<hex>` is an
 * HMAC of the raw body with the app's secret. Runs before validation, so an unsigned request learns nothing
 * about what a valid body looks like.
 */
@Injectable()
export class SignatureGuard implements CanActivate {
  constructor(@Inject(SDK_SECRET_RESOLVER) private readonly secrets: SdkSecretResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      throw new LookbackError('unsupported_media_type', 'unsupported_media_type', 'Send the body as application/json.');
    }
    // PostgreSQL text cannot hold NUL; refuse it here rather than fail a whole group-commit batch later.
    if (req.rawBody?.includes('\\u0000')) {
      throw invalid('invalid_body', 'Strings must not contain NUL (\\u0000) characters.');
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid('invalid_body', 'The body must be a JSON object.');
    }
    const header = req.headers['x-lookback-signature'];
    const signature = Array.isArray(header) ? header[0] : header;
    // No signature, or one of the wrong shape: 401 before the body is looked at.
    if (!signature || !BODY_SIGNATURE.test(signature.trim())) throw badSignature();
    const appId = signedAppId(body);
    if (!isUuid(appId)) throw invalid('invalid_field', 'appId must be a UUID.', 'appId');
    const app = appId.toLowerCase();
    const secret = await this.secrets.sdkSecret(app);
    // An unknown app answers exactly like a wrong signature, so app ids cannot be probed.
    const raw = req.rawBody;
    if (secret === undefined || !raw || !verifyBodySignature(secret, raw, signature)) throw badSignature();
    (req as unknown as { [SIGNED_APP]: string })[SIGNED_APP] = app;
    return true;
  }
}

const badSignature = () =>
  new LookbackError(
    'unauthorized',
    'invalid_signature',
    'X-Lookback-Signature must be sha256=<hex HMAC-SHA256 of the raw body with the app secret>.',
  );

/**
 * The app whose secret signs the body: its `appId`, or for a batch sent as `{"events": [...]}` without one
 * (as the contract shows it), the first item's. Items naming another app are refused one by one later.
 */
function signedAppId(body: Record<string, unknown>): unknown {
  if (body.appId !== undefined || !Array.isArray(body.events)) return body.appId;
  const first: unknown = body.events[0];
  return first !== null && typeof first === 'object' ? (first as Record<string, unknown>).appId : undefined;
}
