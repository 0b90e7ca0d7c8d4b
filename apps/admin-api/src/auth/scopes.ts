import { SetMetadata } from '@nestjs/common';
import type { ApiScope } from '@app/database';

export const SCOPE_KEY = 'lookback:scope';
export const PUBLIC_KEY = 'lookback:public';

/** The scope a route needs; without it, GET needs `read` and anything else `write`. `owner` may do all. */
export const RequireScope = (scope: ApiScope) => SetMetadata(SCOPE_KEY, scope);
export const Public = () => SetMetadata(PUBLIC_KEY, true);
