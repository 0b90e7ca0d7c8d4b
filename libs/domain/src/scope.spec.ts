import { EVERY_APP, appScope, canSee, ensureVisible, isLimited, scopeParam } from './scope';

const A = '0190f5c4-0000-7000-8000-00000000000a';
const B = '0190f5c4-0000-7000-8000-00000000000b';

describe('app scope', () => {
  it('lets an unrestricted key see every app', () => {
    expect(canSee(EVERY_APP, A)).toBe(true);
    expect(isLimited(appScope(null))).toBe(false);
    expect(scopeParam(EVERY_APP)).toBeNull();
  });

  it('limits a key to its apps, and a row without an app is outside a limited scope', () => {
    const s = appScope([A]);
    expect(canSee(s, A)).toBe(true);
    expect(canSee(s, B)).toBe(false);
    expect(canSee(s, null)).toBe(false);
    expect(scopeParam(s)).toEqual([A]);
  });

  it('answers not found, naming the field, outside the scope', () => {
    expect(() => ensureVisible(appScope([A]), B, 'campaign', 'campaignId')).toThrow(
      expect.objectContaining({ kind: 'not_found', code: 'campaign_not_found', field: 'campaignId' }),
    );
    expect(() => ensureVisible(appScope([]), A)).toThrow(expect.objectContaining({ code: 'app_not_found' }));
  });
});
