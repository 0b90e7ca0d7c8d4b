import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope } from '@app/database';
import { LookbackError, isLimited } from '@app/domain';
import { RateLimits, sendQuota } from '@app/http';
import { ApiKeysService } from './api-keys.service';
import { CALLER, EVERY_APP_KEY, PUBLIC_KEY, SCOPE_KEY, type Caller } from './scopes';

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new LookbackError('unauthorized', 'missing_api_key', 'Send an API key as Authorization: Bearer <key>.');
    }
    const key = await this.keys.authenticate(match[1]);
    if (!key) throw new LookbackError('unauthorized', 'invalid_api_key', 'That API key is not valid.');
    // Counted once the key is known (a wrong key is a 401 that costs no one's budget) and before the scope check,
    // so a key hammering routes it may not use is slowed down too.
    sendQuota(context.switchToHttp().getResponse<FastifyReply>(), await this.limits.take('key', key.id));
    const needed =
      this.reflector.getAllAndOverride<ApiScope>(SCOPE_KEY, targets) ?? (req.method === 'GET' ? 'read' : 'write');
    // `write` implies `read`: a key that may change a campaign may also look at it.
    const granted = key.scopes.includes('owner') || key.scopes.includes(needed) || (needed === 'read' && key.scopes.includes('write'));
    if (!granted) {
      throw new LookbackError('forbidden', 'insufficient_scope', `This API key lacks the "${needed}" scope.`);
    }
    if (isLimited(key.scope) && this.reflector.getAllAndOverride<boolean>(EVERY_APP_KEY, targets)) {
      throw new LookbackError(
        'forbidden',
        'key_limited_to_apps',
        'This API key is limited to some apps; this change would reach every app. Use a key without appIds.',
      );
    }
    (req as unknown as { [CALLER]: Caller })[CALLER] = { keyId: key.id, scopes: key.scopes, scope: key.scope };
    return true;
  }
}
