import { DEFAULT_FRAUD_MODES, decideAttribution, type CampaignWindows } from './attribution';
import { applyOverrides, type DecisionSettings } from './overrides';

const A: CampaignWindows = { clickLookbackHours: 168, viewLookbackHours: 24, fingerprintLookbackHours: 24 };
const B: CampaignWindows = { clickLookbackHours: 72, viewLookbackHours: 12, fingerprintLookbackHours: 6 };

function stored(): DecisionSettings {
  return {
    app: {
      minCtitSeconds: 10,
      reattributionDays: 90,
      clickFloodThreshold: 50,
      fraudModes: { ...DEFAULT_FRAUD_MODES, clickInjection: 'shadow', clickFlooding: 'enforce', ipBlocklist: 'off' },
    },
    campaigns: new Map([
      ['camp-a', { ...A }],
      ['camp-b', { ...B }],
    ]),
    ipBlocklist: ['198.51.100.0/24'],
  };
}

describe('applyOverrides', () => {
  it('without overrides answers the stored settings unchanged', () => {
    const s = stored();
    expect(applyOverrides(s, undefined)).toBe(s);
  });

  it('with empty overrides keeps every stored value', () => {
    const s = stored();
    expect(applyOverrides(s, {})).toEqual(s);
  });

  it('per-campaign beats all-campaign beats stored, field by field', () => {
    const out = applyOverrides(stored(), {
      clickLookbackHours: 24,
      viewLookbackHours: 2,
      campaigns: { 'camp-a': { clickLookbackHours: 1 } },
    });
    // camp-a: click from its own override, view from the all-campaign override, fingerprint stored.
    expect(out.campaigns.get('camp-a')).toEqual({ clickLookbackHours: 1, viewLookbackHours: 2, fingerprintLookbackHours: 24 });
    // camp-b has no override of its own: all-campaign values, then its stored fingerprint window.
    expect(out.campaigns.get('camp-b')).toEqual({ clickLookbackHours: 24, viewLookbackHours: 2, fingerprintLookbackHours: 6 });
  });

  it('takes 0 as a value (it turns a window off), not as "not given"', () => {
    const out = applyOverrides(stored(), {
      fingerprintLookbackHours: 12,
      campaigns: { 'camp-b': { fingerprintLookbackHours: 0, clickLookbackHours: 0 } },
      minCtitSeconds: 0,
      reattributionDays: 0,
    });
    expect(out.campaigns.get('camp-a')!.fingerprintLookbackHours).toBe(12);
    expect(out.campaigns.get('camp-b')).toEqual({ clickLookbackHours: 0, viewLookbackHours: 12, fingerprintLookbackHours: 0 });
    expect(out.app.minCtitSeconds).toBe(0);
    expect(out.app.reattributionDays).toBe(0);
  });

  it('ignores per-campaign overrides of campaigns the app does not have', () => {
    const out = applyOverrides(stored(), { campaigns: { 'camp-zzz': { clickLookbackHours: 1 } } });
    expect([...out.campaigns.keys()]).toEqual(['camp-a', 'camp-b']);
    expect(out.campaigns.get('camp-a')).toEqual(A);
  });

  it('overrides app rules one by one', () => {
    const out = applyOverrides(stored(), { minCtitSeconds: 60, clickFloodThreshold: 3 });
    expect(out.app).toMatchObject({ minCtitSeconds: 60, reattributionDays: 90, clickFloodThreshold: 3 });
  });

  it('replaces the IP blocklist when given, an empty list included', () => {
    expect(applyOverrides(stored(), { ipBlocklist: ['203.0.113.0/24'] }).ipBlocklist).toEqual(['203.0.113.0/24']);
    expect(applyOverrides(stored(), { ipBlocklist: [] }).ipBlocklist).toEqual([]);
    expect(applyOverrides(stored(), { minCtitSeconds: 1 }).ipBlocklist).toEqual(['198.51.100.0/24']);
  });

  describe('fraud modes', () => {
    it('merges: a mode given overrides its stored mode, the others stay as stored', () => {
      const out = applyOverrides(stored(), { fraudModes: { clickFlooding: 'shadow' } });
      expect(out.app.fraudModes).toEqual({ clickInjection: 'shadow', clickFlooding: 'shadow', ipBlocklist: 'off', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' });
    });

    it('keeps the stored mode for a key present but undefined (as a validated request DTO carries it)', () => {
      const out = applyOverrides(stored(), {
        fraudModes: { clickInjection: undefined, clickFlooding: 'off', ipBlocklist: undefined },
      });
      expect(out.app.fraudModes).toEqual({ clickInjection: 'shadow', clickFlooding: 'off', ipBlocklist: 'off', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' });
    });

    it('starts from enforce for every rule when nothing is stored', () => {
      const s = stored();
      delete s.app.fraudModes;
      const out = applyOverrides(s, { fraudModes: { ipBlocklist: 'shadow' } });
      expect(out.app.fraudModes).toEqual({ clickInjection: 'enforce', clickFlooding: 'enforce', ipBlocklist: 'shadow', clickSpam: 'enforce', sharedIp: 'enforce', touchConsumed: 'enforce', sourceConversion: 'enforce', sourceCtit: 'enforce' });
    });
  });

  it('does not change the stored settings it was given', () => {
    const s = stored();
    applyOverrides(s, { clickLookbackHours: 1, campaigns: { 'camp-a': { viewLookbackHours: 1 } }, fraudModes: { ipBlocklist: 'enforce' } });
    expect(s).toEqual(stored());
  });

  it('changes the decision the way the override says', () => {
    const installedAt = new Date('2026-11-30T10:00:00Z');
    const s = applyOverrides(stored(), { campaigns: { 'camp-a': { clickLookbackHours: 1 } } });
    const d = decideAttribution({
      install: { installedAt, gaid: 'g' },
      touches: [{ id: 'c', kind: 'click', campaignId: 'camp-a', ts: new Date(installedAt.getTime() - 2 * 3_600_000), gaid: 'g' }],
      campaigns: s.campaigns,
      app: s.app,
    });
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([expect.objectContaining({ touchId: 'c', reason: 'outside_window' })]);
  });
});
