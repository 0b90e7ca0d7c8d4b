import fc from 'fast-check';
import {
  CTIT_BUCKET_SECONDS,
  DEFAULT_FRAUD_MODES,
  SOURCE_CTIT_MIN_INSTALLS,
  SOURCE_MIN_CLICKS,
  SOURCE_MIN_CONVERSION,
  ctitBucket,
  decideAttribution,
  sourceConversionSignal,
  sourceCtitSignal,
  type DecisionInput,
  type FraudMode,
  type FraudModes,
  type InstallFacts,
  type SourceFacts,
  type Touch,
} from './attribution';
import { GAID, HOUR, INSTALLED_AT, IP, UA_KEY, WINDOWS, before, fingerprintClick } from './poaching.fixtures';

/** Per-source poaching rules: conversion rate and CTIT distribution of a touch's source (campaign × site_id). */


/** A honest-looking CTIT histogram: most installs within the first hour. */
const HONEST_CTIT = [0, 1, 20, 20, 6, 2, 1, 0];
/** Clicks sent for harvested ids: CTITs spread over the whole week. */
const FLAT_CTIT = [0, 0, 0, 1, 3, 10, 18, 30];
/** An app injecting clicks as installs begin: most CTITs in seconds. */
const FAST_CTIT = [15, 10, 3, 2, 1, 1, 0, 0];

const click = (id: string, ageMs: number, extra: Partial<Touch> = {}): Touch => ({ id, kind: 'click', campaignId: 'camp-a', siteId: 'site-1', ts: before(ageMs), gaid: GAID, ...extra });
const spamSource: SourceFacts = { clicks: 20_000, installs: 4, ctit: FLAT_CTIT };

function input(touches: Touch[], modes: Partial<FraudModes> = {}, install: Partial<InstallFacts> = {}): DecisionInput {
  return {
    install: { installedAt: INSTALLED_AT, gaid: GAID, ip: IP, uaKey: UA_KEY, ...install },
    touches,
    campaigns: new Map([['camp-a', WINDOWS], ['camp-b', WINDOWS]]),
    app: { minCtitSeconds: 10, reattributionDays: 90, fraudModes: { ...DEFAULT_FRAUD_MODES, ...modes } },
  };
}
const decide = (...args: Parameters<typeof input>) => decideAttribution(input(...args));

describe('ctitBucket', () => {
  it('puts each bound in the bucket it opens', () => {
    expect(ctitBucket(0)).toBe(0);
    expect(ctitBucket(9)).toBe(0);
    expect(CTIT_BUCKET_SECONDS.map(ctitBucket)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(CTIT_BUCKET_SECONDS.map((s) => ctitBucket(s - 1))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ctitBucket(30 * 86_400)).toBe(7);
  });
});

describe('source conversion rate', () => {
  it('a device-id click of a big source whose clicks almost never install cannot win; the install stays organic and says why', () => {
    const d = decide([click('spam', 5 * HOUR, { source: { clicks: 20_000, installs: 4 } })]);
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([
      expect.objectContaining({
        touchId: 'spam',
        won: false,
        reason: 'source_conversion',
        siteId: 'site-1',
        signal: { name: 'source_conversion_rate', value: 0.0002, threshold: SOURCE_MIN_CONVERSION, campaignId: 'camp-a', siteId: 'site-1', clicks: 20_000, installs: 4 },
      }),
    ]);
    expect(d.explanation.summary).toContain('source_conversion_rate of campaign camp-a (site_id site-1) is 0.02% (4 installs from 20000 clicks), under 0.2%');
  });

  it('at the threshold, or below the minimum volume, the source is not judged', () => {
    expect(sourceConversionSignal(click('c', HOUR, { source: { clicks: 1000, installs: 2 } }))).toBeUndefined();
    expect(sourceConversionSignal(click('c', HOUR, { source: { clicks: 1000, installs: 1 } }))).toMatchObject({ value: 0.001 });
    expect(sourceConversionSignal(click('c', HOUR, { source: { clicks: SOURCE_MIN_CLICKS - 1, installs: 0 } }))).toBeUndefined();
    expect(sourceConversionSignal(click('c', HOUR))).toBeUndefined();
  });

  it('the install falls to the next candidate: an honest click of another source wins', () => {
    const d = decide([click('spam', 1 * HOUR, { source: spamSource }), click('honest', 20 * HOUR, { campaignId: 'camp-b', siteId: 'site-9', source: { clicks: 5000, installs: 300, ctit: HONEST_CTIT } })]);
    expect(d).toMatchObject({ status: 'attributed', touchId: 'honest', campaignId: 'camp-b' });
  });

  it('fingerprint candidates are judged too; a click named by the referrer is not', () => {
    expect(decide([fingerprintClick('fp', HOUR, { source: { clicks: 20_000, installs: 0 } })], {}, { gaid: undefined }).status).toBe('organic');
    const named = decideAttribution({ ...input([click('named', HOUR, { source: spamSource })]), install: { installedAt: INSTALLED_AT, referrerClickId: 'named' } });
    expect(named).toMatchObject({ status: 'attributed', matchType: 'click_id' });
  });
});

describe('source CTIT distribution', () => {
  it('a source whose matched installs spread flat over the window cannot win (source_ctit_under_1h)', () => {
    const d = decide([click('flat', 30 * HOUR, { source: { ctit: FLAT_CTIT } })]);
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates[0]).toMatchObject({
      reason: 'source_ctit',
      signal: { name: 'source_ctit_under_1h', value: 0.0161, threshold: 0.1, installs: 62 },
    });
  });

  it('a source whose matched installs pile up in the first minute cannot win (source_ctit_under_1m)', () => {
    const d = decide([click('inj', 20_000, { source: { ctit: FAST_CTIT } })]);
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates[0]).toMatchObject({ reason: 'source_ctit', signal: { name: 'source_ctit_under_1m', value: 0.7813 } });
  });

  it('a click under minCtitSeconds is left to the click-injection rule: the install is rejected, as without the source rules', () => {
    const fast = click('inj', 3_000, { source: { ctit: FAST_CTIT } });
    expect(decide([fast])).toMatchObject({ status: 'rejected', touchId: 'inj', explanation: { rejection: { reason: 'click_injection' } } });
    expect(decide([fast], { clickInjection: 'off' }).explanation.candidates[0]).toMatchObject({ reason: 'source_ctit' });
  });

  it('honest distributions and small sources are not judged', () => {
    expect(sourceCtitSignal(click('c', HOUR, { source: { ctit: HONEST_CTIT } }))).toBeUndefined();
    const small = FLAT_CTIT.map((n) => Math.floor(n / 3));
    expect(small.reduce((a, b) => a + b)).toBeLessThan(SOURCE_CTIT_MIN_INSTALLS);
    expect(sourceCtitSignal(click('c', HOUR, { source: { ctit: small } }))).toBeUndefined();
    expect(decide([click('h', HOUR, { source: { clicks: 5000, installs: 200, ctit: HONEST_CTIT } })])).toMatchObject({ status: 'attributed', touchId: 'h' });
  });
});

describe('modes', () => {
  it('shadow: the touch wins and explanation.shadow names the rule, the signal and its value', () => {
    const d = decide([click('spam', 5 * HOUR, { source: spamSource })], { sourceConversion: 'shadow', sourceCtit: 'shadow' });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'spam' });
    expect(d.explanation.shadow).toEqual([
      { rule: 'source_conversion', effect: 'would_exclude_touch', touchId: 'spam', signal: expect.objectContaining({ name: 'source_conversion_rate', value: 0.0002 }) },
      { rule: 'source_ctit', effect: 'would_exclude_touch', touchId: 'spam', signal: expect.objectContaining({ name: 'source_ctit_under_1h' }) },
    ]);
    expect(d.explanation.summary).toContain('Shadow mode: source_conversion would exclude touch (source_conversion_rate of campaign camp-a');
  });

  it('off: the touch wins and nothing is said', () => {
    const d = decide([click('spam', 5 * HOUR, { source: spamSource })], { sourceConversion: 'off', sourceCtit: 'off' });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'spam' });
    expect(d.explanation.shadow).toBeUndefined();
    expect(d.explanation.summary).not.toContain('source_');
  });

  it('each rule on its own: conversion off leaves the CTIT rule enforcing', () => {
    expect(decide([click('spam', 5 * HOUR, { source: spamSource })], { sourceConversion: 'off' }).explanation.candidates[0]).toMatchObject({ reason: 'source_ctit' });
    expect(decide([click('spam', 5 * HOUR, { source: spamSource })], { sourceCtit: 'off' }).explanation.candidates[0]).toMatchObject({ reason: 'source_conversion' });
  });
});

describe('properties of the per-source rules', () => {
  const histogram = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 8, maxLength: 8 });
  const sourceArb: fc.Arbitrary<SourceFacts | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.record({ clicks: fc.integer({ min: 0, max: 50_000 }), installs: fc.integer({ min: 0, max: 500 }), ctit: histogram }, { requiredKeys: [] }),
  );
  const touchArb = fc
    .record({
      id: fc.uuid(),
      device: fc.boolean(),
      campaignId: fc.constantFrom('camp-a', 'camp-b'),
      siteId: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
      ageMin: fc.integer({ min: 0, max: 200 * 60 }),
      source: sourceArb,
      sourceDevices: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    })
    .map((t) => {
      const base = t.device ? click(t.id, t.ageMin * 60_000) : fingerprintClick(t.id, t.ageMin * 60_000);
      return { ...base, campaignId: t.campaignId, siteId: t.siteId, ...(t.source ? { source: t.source } : {}), ...(t.sourceDevices !== undefined ? { sourceDevices: t.sourceDevices } : {}) };
    });
  const caseArb = fc.record({
    touches: fc.uniqueArray(touchArb, { selector: (t) => t.id, maxLength: 8 }),
    withGaid: fc.boolean(),
    referrer: fc.boolean(),
    modes: fc.record({
      clickSpam: fc.constantFrom<FraudMode>('enforce', 'shadow', 'off'),
      clickInjection: fc.constantFrom<FraudMode>('enforce', 'shadow', 'off'),
    }),
  });
  const inputOf = ({ touches, withGaid, referrer, modes }: { touches: Touch[]; withGaid: boolean; referrer: boolean; modes: Partial<FraudModes> }, extra: Partial<FraudModes>) => {
    const i = input(touches, { ...modes, ...extra }, withGaid ? {} : { gaid: undefined });
    return referrer && touches.length > 0 ? { ...i, install: { ...i.install, referrerClickId: touches[0].id } } : i;
  };
  const RULES = ['sourceConversion', 'sourceCtit'] as const;

  it('a rule in shadow never changes a decision (status, winner, match type, campaign) from the rule off', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...RULES), fc.constantFrom<FraudMode>('enforce', 'shadow', 'off'), (c, rule, other) => {
        const otherRule = rule === 'sourceConversion' ? 'sourceCtit' : 'sourceConversion';
        const shadow = decideAttribution(inputOf(c, { [rule]: 'shadow', [otherRule]: other }));
        const off = decideAttribution(inputOf(c, { [rule]: 'off', [otherRule]: other }));
        expect([shadow.status, shadow.touchId, shadow.matchType, shadow.campaignId, shadow.ctitSeconds]).toEqual([off.status, off.touchId, off.matchType, off.campaignId, off.ctitSeconds]);
        expect(shadow.explanation.candidates.map((x) => x.reason)).toEqual(off.explanation.candidates.map((x) => x.reason));
      }),
    );
  });

  it('with both rules off, decisions equal those made without the source facts (as before the rules)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const off = { sourceConversion: 'off', sourceCtit: 'off' } as const;
        const stripped = { ...c, touches: c.touches.map(({ source: _s, ...t }) => t) };
        expect(decideAttribution(inputOf(c, off))).toEqual(decideAttribution(inputOf(stripped, off)));
      }),
    );
  });

  it('enforced, a flagged source never wins by device_id or fingerprint, and an unflagged one is judged as with the rules off', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = decideAttribution(inputOf(c, {}));
        const winner = c.touches.find((t) => t.id === d.touchId);
        if (winner && (d.matchType === 'device_id' || d.matchType === 'fingerprint')) {
          expect(sourceConversionSignal(winner)).toBeUndefined();
          expect(sourceCtitSignal(winner)).toBeUndefined();
        }
        const clean = { ...c, touches: c.touches.filter((t) => !sourceConversionSignal(t) && !sourceCtitSignal(t)) };
        if (clean.touches.length === c.touches.length) {
          const off = decideAttribution(inputOf(c, { sourceConversion: 'off', sourceCtit: 'off' }));
          expect([d.status, d.touchId]).toEqual([off.status, off.touchId]);
        }
      }),
    );
  });
});
