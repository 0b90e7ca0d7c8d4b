// Shared by the poaching rules' specs (poaching.spec.ts, source-signals.spec.ts): one install's facts and its touches.
import type { Touch } from './attribution';

export const INSTALLED_AT = new Date('2026-11-30T10:00:00.000Z');
export const HOUR = 3_600_000;
export const GAID = '3f1c2b6e-8a4d-4b1e-9c3a-1d2e3f4a5b6c';
export const IP = '100.64.1.7';
export const UA_KEY = 'android|14|sm-a546b';
export const WINDOWS = { clickLookbackHours: 168, viewLookbackHours: 24, fingerprintLookbackHours: 24 };
export const before = (ms: number) => new Date(INSTALLED_AT.getTime() - ms);

export const fingerprintClick = (id: string, ageMs: number, extra: Partial<Touch> = {}): Touch => ({
  id,
  kind: 'click',
  campaignId: 'camp-a',
  ts: before(ageMs),
  ip: IP,
  uaKey: UA_KEY,
  ...extra,
});
