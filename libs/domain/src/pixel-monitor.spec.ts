import fc from 'fast-check';
import { judgePixelEvent, pixelAlert, type PixelState } from './pixel-monitor';

const S = { silentAfterMinutes: 60, rejectedPercent: 20 };
const NOW = Date.parse('2026-12-03T12:00:00Z');
const min = 60_000;

describe('judgePixelEvent', () => {
  it('is silent after silentAfterMinutes without an accepted hit, counted from the later of the last hit and the watch start', () => {
    expect(judgePixelEvent(S, { lastAcceptedAt: NOW - 61 * min, accepted: 0, rejected: 0, watchedSince: NOW - 120 * min }, NOW).state).toBe('silent');
    expect(judgePixelEvent(S, { lastAcceptedAt: NOW - 59 * min, accepted: 0, rejected: 0, watchedSince: NOW - 120 * min }, NOW).state).toBe('firing');
    expect(judgePixelEvent(S, { lastAcceptedAt: null, accepted: 0, rejected: 0, watchedSince: NOW - 10 * min }, NOW).state).toBe('firing');
    const never = judgePixelEvent(S, { lastAcceptedAt: null, accepted: 0, rejected: 0, watchedSince: NOW - 60 * min }, NOW);
    expect(never).toEqual({ state: 'silent', detail: expect.stringContaining('never fired') });
  });

  it('is rejecting over the threshold with at least 20 hits, not with fewer', () => {
    const base = { lastAcceptedAt: NOW - min, watchedSince: 0 };
    expect(judgePixelEvent(S, { ...base, accepted: 15, rejected: 5 }, NOW).state).toBe('rejecting'); // 25%
    expect(judgePixelEvent(S, { ...base, accepted: 16, rejected: 4 }, NOW).state).toBe('firing'); // 20% is not over 20%
    expect(judgePixelEvent(S, { ...base, accepted: 2, rejected: 17 }, NOW).state).toBe('firing'); // 19 hits
    expect(judgePixelEvent(S, { ...base, accepted: 2, rejected: 18 }, NOW)).toEqual({ state: 'rejecting', detail: expect.stringContaining('90%') });
  });

  it('silence wins over rejections (nothing gets through at all)', () => {
    expect(judgePixelEvent(S, { lastAcceptedAt: NOW - 90 * min, accepted: 0, rejected: 50, watchedSince: 0 }, NOW).state).toBe('silent');
  });
});

describe('pixelAlert', () => {
  it('owes one alert per change of state and none while it holds', () => {
    const states: PixelState[] = ['firing', 'silent', 'rejecting'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...states), { maxLength: 30 }), (seq) => {
        let prev: PixelState = 'firing';
        let alerts = 0;
        let changes = 0;
        for (const s of seq) {
          if (s !== prev) changes++;
          if (pixelAlert(prev, s) !== null) alerts++;
          prev = s;
        }
        expect(alerts).toBe(changes);
      }),
    );
    expect(pixelAlert('silent', 'firing')).toBe('recovered');
    expect(pixelAlert('firing', 'rejecting')).toBe('rejecting');
    expect(pixelAlert('rejecting', 'rejecting')).toBeNull();
  });
});
