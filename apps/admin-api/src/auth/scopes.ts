import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiScope } from '@app/database';
import { EVERY_APP, type AppScope } from '@app/domain';

export const SCOPE_KEY = 'lookback:scope';
export const PUBLIC_KEY = 'lookback:public';
export const EVERY_APP_KEY = 'lookback:every-app';

/** The scope a route needs; without it, GET needs `read` and anything else `write`. `owner` may do all. */
export const RequireScope = (scope: ApiScope) => SetMetadata(SCOPE_KEY, scope);
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/**
 * The route changes something every app shares (networks, FX rates, a new app): a key limited to some apps
 * gets a 403 here, since no app scope could contain the effect.
 */
export const EveryAppOnly = () => SetMetadata(EVERY_APP_KEY, true);

/** What the guard learned about the caller, kept on the request. */
export interface Caller {
  keyId: string;
  scopes: ApiScope[];
  scope: AppScope;
}

export const CALLER = Symbol('lookback:caller');

export function callerOf(req: object): Caller | undefined {
  return (req as { [CALLER]?: Caller })[CALLER];
}

/**
 * The apps the calling key may see, as a handler parameter: `list(@Scope() scope: AppScope)`. Hand it to the
 * service, which answers 404 for anything outside it. Public routes (no key) get every app.
 */
export const Scope = createParamDecorator((_data: unknown, ctx: ExecutionContext): AppScope => {
  return callerOf(ctx.switchToHttp().getRequest<object>())?.scope ?? EVERY_APP;
});
