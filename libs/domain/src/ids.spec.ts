import fc from 'fast-check';
import { isUuid, uuidv7, uuidv7Time } from './ids';

describe('uuidv7', () => {
  it('is a well-formed UUID with version nibble 7 and the RFC variant', () => {
    const id = uuidv7(Date.parse('2026-11-30T10:00:00Z'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(id)).toBe(true);
  });

  it('sets the version and variant bits on every id, whatever the random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const id = uuidv7(i);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
  });

  it('puts the milliseconds in the first 48 bits', () => {
    const ms = Date.parse('2026-11-30T10:00:00.123Z');
    const id = uuidv7(ms);
    expect(id.slice(0, 8) + id.slice(9, 13)).toBe(ms.toString(16).padStart(12, '0'));
    expect(uuidv7(0).startsWith('00000000-0000-7')).toBe(true);
    expect(uuidv7(2 ** 48 - 1).startsWith('ffffffff-ffff-7')).toBe(true);
  });

  it('uses the current time by default', () => {
    const lo = Date.now();
    const t = uuidv7Time(uuidv7())!.getTime();
    const hi = Date.now();
    expect(t).toBeGreaterThanOrEqual(lo);
    expect(t).toBeLessThanOrEqual(hi);
  });

  it('two ids of the same millisecond differ', () => {
    expect(uuidv7(1000)).not.toBe(uuidv7(1000));
  });

  it('sorts by time as plain strings (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 2 ** 40 }), (t, dt) => {
        const later = Math.min(t + dt, 2 ** 48 - 1);
        expect(uuidv7(t) < uuidv7(later)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('sorts a batch of ids made at increasing times back into time order', () => {
    const times = [1, 255, 256, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, Date.parse('2026-11-30T10:00:00Z')];
    const ids = times.map((t) => uuidv7(t));
    expect([...ids].reverse().sort()).toEqual(ids);
  });
});

describe('uuidv7Time', () => {
  it('round-trips the creation time (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
        expect(uuidv7Time(uuidv7(ms))?.getTime()).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts upper-case ids', () => {
    const ms = Date.parse('2026-11-30T10:00:00.456Z');
    expect(uuidv7Time(uuidv7(ms).toUpperCase())?.getTime()).toBe(ms);
  });

  it('is undefined for other UUID versions and non-UUIDs', () => {
    expect(uuidv7Time('0190d3c8-7b2a-4c3e-9f10-1234567890ab')).toBeUndefined(); // v4
    expect(uuidv7Time('not-a-uuid')).toBeUndefined();
    expect(uuidv7Time('')).toBeUndefined();
    expect(uuidv7Time('0190d3c87b2a7c3e9f101234567890ab')).toBeUndefined(); // no dashes
  });
});

describe('isUuid', () => {
  it('accepts UUIDs of any version and case, rejects everything else', () => {
    expect(isUuid('0190d3c8-7b2a-4c3e-9f10-1234567890ab')).toBe(true);
    expect(isUuid('0190D3C8-7B2A-7C3E-9F10-1234567890AB')).toBe(true);
    expect(isUuid('0190d3c8-7b2a-7c3e-9f10-1234567890a')).toBe(false);
    expect(isUuid(' 0190d3c8-7b2a-7c3e-9f10-1234567890ab')).toBe(false);
    expect(isUuid('0190d3c8-7b2a-7c3e-9f10-1234567890ag')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuid(null)).toBe(false);
  });
});
