import { normalizeDevice, normalizeDeviceId, referrerClickId } from './device';

describe('normalizeDeviceId', () => {
  it('treats the all-zero IDFA/GAID as no identifier', () => {
    expect(normalizeDeviceId('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(normalizeDeviceId(' 00000000-0000-0000-0000-000000000000 ')).toBeUndefined();
    expect(normalizeDeviceId('00000000000000000000000000000000')).toBeUndefined();
  });

  it('lower-cases ids, so an uppercase IDFA equals its lowercase form', () => {
    expect(normalizeDeviceId('A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D')).toBe('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
  });

  it('trims surrounding whitespace', () => {
    expect(normalizeDeviceId('  3f1c2b6e-8a4d-4b1e-9c3a-1d2e3f4a5b6c\n\t')).toBe('3f1c2b6e-8a4d-4b1e-9c3a-1d2e3f4a5b6c');
  });

  it('returns undefined for null, undefined, empty and blank', () => {
    expect(normalizeDeviceId(null)).toBeUndefined();
    expect(normalizeDeviceId(undefined)).toBeUndefined();
    expect(normalizeDeviceId('')).toBeUndefined();
    expect(normalizeDeviceId('   ')).toBeUndefined();
  });

  it('keeps an id that merely contains zeros', () => {
    expect(normalizeDeviceId('00000000-0000-0000-0000-000000000001')).toBe('00000000-0000-0000-0000-000000000001');
  });
});

describe('normalizeDevice', () => {
  it('normalizes every id and drops absent and all-zero ones', () => {
    expect(
      normalizeDevice({
        gaid: ' ABC-DEF ',
        idfa: '00000000-0000-0000-0000-000000000000',
        idfv: 'IDFV-1',
        androidId: '',
      }),
    ).toEqual({ gaid: 'abc-def', idfv: 'idfv-1' });
  });

  it('returns an empty object for no device', () => {
    expect(normalizeDevice(undefined)).toEqual({});
  });

  it('does not copy unknown keys', () => {
    const device = { gaid: 'g', extra: 'x' } as unknown as Parameters<typeof normalizeDevice>[0];
    expect(normalizeDevice(device)).toEqual({ gaid: 'g' });
  });
});

describe('referrerClickId', () => {
  const ID = '0190d3c8-7b2a-7c3e-9f10-1234567890ab';

  it('reads lookback_click_id from a query-string referrer', () => {
    expect(referrerClickId(`utm_source=x&lookback_click_id=${ID}`)).toBe(ID);
  });

  it('reads it from a full URL', () => {
    expect(referrerClickId(`https://example.com/landing?utm_source=x&lookback_click_id=${ID}&utm_medium=cpc`)).toBe(ID);
    expect(referrerClickId(`https://example.com/landing?lookback_click_id=${ID}`)).toBe(ID);
  });

  it('lower-cases and trims the id', () => {
    expect(referrerClickId(`lookback_click_id=${ID.toUpperCase()}`)).toBe(ID);
    expect(referrerClickId(`lookback_click_id=%20${ID}%20`)).toBe(ID);
  });

  it('decodes a percent-encoded value', () => {
    expect(referrerClickId('lookback_click_id=abc%2Ddef')).toBe('abc-def');
  });

  it('takes the first of repeated parameters', () => {
    expect(referrerClickId('lookback_click_id=first&lookback_click_id=second')).toBe('first');
  });

  it('returns undefined when there is no such parameter', () => {
    expect(referrerClickId('utm_source=x&click_id=abc')).toBeUndefined();
    expect(referrerClickId('https://example.com/?lookback_click=abc')).toBeUndefined();
  });

  it('returns undefined for an empty or blank value', () => {
    expect(referrerClickId('lookback_click_id=')).toBeUndefined();
    expect(referrerClickId('lookback_click_id=%20%20')).toBeUndefined();
    expect(referrerClickId('lookback_click_id')).toBeUndefined();
  });

  it('returns undefined for null, undefined and empty', () => {
    expect(referrerClickId(null)).toBeUndefined();
    expect(referrerClickId(undefined)).toBeUndefined();
    expect(referrerClickId('')).toBeUndefined();
  });

  it('does not throw on garbage', () => {
    for (const junk of ['%%%', '?', '&&&==', '=x', '\u0000\uffff', 'not a referrer at all', '?=&=?']) {
      expect(() => referrerClickId(junk)).not.toThrow();
      expect(referrerClickId(junk)).toBeUndefined();
    }
  });
});
