/**
 * The pixel monitor's rule: is a watched pixel event firing, silent or rejecting, and which alert a change of
 * state owes. Pure: the worker hands it counters it already keeps (per-minute hit counts) and the time.
 */
export interface PixelMonitorSettings {
  webhookUrl: string;
  events: string[];
  silentAfterMinutes: number;
  rejectedPercent: number;
}

export const PIXEL_MONITOR_DEFAULTS = { silentAfterMinutes: 60, rejectedPercent: 20 } as const;
/** The rejected share is judged over this window, and only with at least this many hits in it. */
export const REJECTED_WINDOW_MINUTES = 15;
export const REJECTED_MIN_HITS = 20;

export type PixelState = 'firing' | 'silent' | 'rejecting';
export type PixelAlertKind = 'silent' | 'rejecting' | 'recovered';

export interface PixelCounters {
  /** The last accepted hit ever counted, or null. */
  lastAcceptedAt: number | null;
  /** Hits in the last REJECTED_WINDOW_MINUTES. */
  accepted: number;
  rejected: number;
  /** Since when the monitor watches this event (a new watch is not silent before silentAfterMinutes). */
  watchedSince: number;
}

export interface PixelJudgement {
  state: PixelState;
  detail: string;
}

export function judgePixelEvent(s: Pick<PixelMonitorSettings, 'silentAfterMinutes' | 'rejectedPercent'>, c: PixelCounters, now: number): PixelJudgement {
  const heardAt = Math.max(c.lastAcceptedAt ?? -Infinity, c.watchedSince);
  if (now - heardAt >= s.silentAfterMinutes * 60_000) {
    const last = c.lastAcceptedAt === null ? 'never fired' : `last accepted hit ${new Date(c.lastAcceptedAt).toISOString()}`;
    return { state: 'silent', detail: `no accepted hit for ${s.silentAfterMinutes} minutes (${last})` };
  }
  const total = c.accepted + c.rejected;
  if (total >= REJECTED_MIN_HITS && (c.rejected * 100) / total > s.rejectedPercent) {
    const pct = Math.round((c.rejected * 1000) / total) / 10;
    return { state: 'rejecting', detail: `${pct}% of ${total} hits rejected in the last ${REJECTED_WINDOW_MINUTES} minutes (threshold ${s.rejectedPercent}%)` };
  }
  return { state: 'firing', detail: `${c.accepted} accepted, ${c.rejected} rejected in the last ${REJECTED_WINDOW_MINUTES} minutes` };
}

/** The alert a change of state owes, once: none while the state holds. */
export function pixelAlert(previous: PixelState, next: PixelState): PixelAlertKind | null {
  if (previous === next) return null;
  return next === 'firing' ? 'recovered' : next;
}
