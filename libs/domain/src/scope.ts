// Which apps an API key may see. Every admin read or write of an app's data goes through one of these, so a key
// limited to some apps finds everything else "not found" rather than "forbidden" (it must not learn what exists).
import { notFound } from './errors';

export interface AppScope {
  /** `null`: every app (an unrestricted key). Otherwise the only apps the key may see. */
  readonly appIds: readonly string[] | null;
}

export const EVERY_APP: AppScope = Object.freeze({ appIds: null });

export function appScope(appIds: readonly string[] | null | undefined): AppScope {
  return appIds == null ? EVERY_APP : Object.freeze({ appIds: Object.freeze([...appIds]) });
}

export function isLimited(scope: AppScope): boolean {
  return scope.appIds !== null;
}

export function canSee(scope: AppScope, appId: string | null | undefined): boolean {
  if (scope.appIds === null) return true;
  return appId != null && scope.appIds.includes(appId);
}

/** Throws `<what>_not_found` (the same answer as a missing row) when `appId` is outside the scope. */
export function ensureVisible(scope: AppScope, appId: string | null | undefined, what = 'app', field?: string): void {
  if (!canSee(scope, appId)) throw notFound(what, field);
}

/**
 * The scope as one SQL parameter: `null` or a uuid[]. Queries filter with
 * `($n::uuid[] IS NULL OR app_id = ANY($n::uuid[]))`, so the same statement serves both kinds of key.
 */
export function scopeParam(scope: AppScope): string[] | null {
  return scope.appIds === null ? null : [...scope.appIds];
}
