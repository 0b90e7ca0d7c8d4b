import { CountryLookup } from './country';

describe('CountryLookup', () => {
  const geo = new CountryLookup();
  beforeAll(() => geo.onModuleInit());

  it('finds the country of public IPv4 and IPv6 addresses', () => {
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('81.2.69.142')).toBe('GB');
    expect(geo.country('2a00:1450:4001::1')).toBe('DE');
  });

  it('answers null for private, reserved, missing and malformed addresses', () => {
    for (const ip of ['10.0.0.1', '127.0.0.1', '::1', '', null, undefined, 'not-an-ip', '999.1.1.1']) {
      expect(geo.country(ip)).toBeNull();
    }
  });

  it('names the database release it read', () => {
    expect(geo.database()).toEqual({ name: 'dbip-country', version: expect.stringMatching(/^\d+\.\d+\.\d+$/), builtAt: expect.any(String) });
  });
});
