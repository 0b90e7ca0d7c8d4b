import {
  DEFAULT_FRAUD_MODES,
  decideAttribution,
  type AppRules,
  type CampaignWindows,
  type FraudModes,
  type InstallFacts,
  type Touch,
} from './attribution';

/** The fraud rules inside the decision: IP blocklist, click flooding and click injection, each enforce|shadow|off. */

const INSTALLED_AT = new Date('2026-11-30T10:00:00.000Z');
const SECOND = 1000;
const HOUR = 3_600_000;

const GAID = '3f1c2b6e-8a4d-4b1e-9c3a-1d2e3f4a5b6c';
const IP = '203.0.113.7';
const UA_KEY = 'android|14.0|pixel 8';
const WINDOWS: CampaignWindows = { clickLookbackHours: 168, viewLookbackHours: 24, fingerprintLookbackHours: 24 };
const ENFORCE: FraudModes = { ...DEFAULT_FRAUD_MODES };

const before = (ms: number) => new Date(INSTALLED_AT.getTime() - ms);

const deviceClick = (id: string, ageMs: number, extra: Partial<Touch> = {}): Touch => ({
  id,
  kind: 'click',
  campaignId: 'camp-a',
  ts: before(ageMs),
  gaid: GAID,
  ...extra,
});

/** A click that matches the install only by IP and User-Agent key. */
const fingerprintClick = (id: string, ageMs: number, extra: Partial<Touch> = {}): Touch => ({
  id,
  kind: 'click',
  campaignId: 'camp-a',
  ts: before(ageMs),
  ip: IP,
  uaKey: UA_KEY,
  ...extra,
});

function decide(touches: Touch[], app: Partial<AppRules> & { modes?: Partial<FraudModes> } = {}, install: Partial<InstallFacts> = {}) {
  const { modes, ...rules } = app;
  return decideAttribution({
    install: { installedAt: INSTALLED_AT, gaid: GAID, ip: IP, uaKey: UA_KEY, ...install },
    touches,
    campaigns: new Map([
      ['camp-a', WINDOWS],
      ['camp-b', WINDOWS],
    ]),
    app: { minCtitSeconds: 10, reattributionDays: 90, fraudModes: { ...ENFORCE, ...modes }, ...rules },
  });
}

function candidate(d: ReturnType<typeof decide>, touchId: string) {
  const found = d.explanation.candidates.filter((c) => c.touchId === touchId);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('IP blocklist', () => {
  it('enforced: a blocked touch never wins, even when it is the latest', () => {
    const d = decide([deviceClick('clean', 2 * HOUR), deviceClick('bad', 1 * HOUR, { blocked: true })]);
    expect(d).toMatchObject({ status: 'attributed', touchId: 'clean', matchType: 'device_id' });
    expect(candidate(d, 'bad')).toMatchObject({ won: false, reason: 'blocked' });
    expect(d.explanation.shadow).toBeUndefined();
  });

  it('enforced: an install whose only touches are blocked is organic, and the explanation says why', () => {
    const d = decide([deviceClick('bad', HOUR, { blocked: true }), fingerprintClick('bad-fp', 2 * HOUR, { blocked: true })]);
    expect(d).toMatchObject({ status: 'organic', touchId: null, campaignId: null });
    expect(d.explanation.candidates.map((c) => [c.touchId, c.reason])).toEqual([
      ['bad', 'blocked'],
      ['bad-fp', 'blocked'],
    ]);
    expect(d.explanation.summary).toMatch(/blocked/);
  });

  it('enforced: blocks the referrer click id and impressions too', () => {
    const byReferrer = decide([deviceClick('ref', HOUR, { blocked: true, gaid: undefined })], {}, { referrerClickId: 'ref' });
    expect(byReferrer.status).toBe('organic');
    expect(candidate(byReferrer, 'ref')).toMatchObject({ rule: 'click_id', reason: 'blocked' });

    const view: Touch = { id: 'imp', kind: 'impression', campaignId: 'camp-a', ts: before(HOUR), gaid: GAID, blocked: true };
    const byView = decide([view]);
    expect(byView.status).toBe('organic');
    expect(candidate(byView, 'imp')).toMatchObject({ rule: 'view_through', reason: 'blocked' });
  });

  it('is enforced when the app has no fraud modes at all', () => {
    const d = decideAttribution({
      install: { installedAt: INSTALLED_AT, gaid: GAID },
      touches: [deviceClick('bad', HOUR, { blocked: true })],
      campaigns: new Map([['camp-a', WINDOWS]]),
      app: { minCtitSeconds: 10, reattributionDays: 90 },
    });
    expect(d.status).toBe('organic');
  });

  it('shadow: the blocked touch wins and a shadow note records that enforcing would exclude it', () => {
    const d = decide([deviceClick('clean', 2 * HOUR), deviceClick('bad', HOUR, { blocked: true })], { modes: { ipBlocklist: 'shadow' } });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'bad' });
    expect(d.explanation.shadow).toEqual([{ rule: 'ip_blocklist', effect: 'would_exclude_touch', touchId: 'bad' }]);
    expect(d.explanation.summary).toContain('Shadow mode: ip_blocklist would exclude touch.');
  });

  it('shadow: no note when the blocked touch does not win anyway', () => {
    const d = decide([deviceClick('clean', HOUR), deviceClick('bad', 2 * HOUR, { blocked: true })], { modes: { ipBlocklist: 'shadow' } });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'clean' });
    expect(d.explanation.shadow).toBeUndefined();
  });

  it('off: the blocked touch wins with no note', () => {
    const d = decide([deviceClick('clean', 2 * HOUR), deviceClick('bad', HOUR, { blocked: true })], { modes: { ipBlocklist: 'off' } });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'bad' });
    expect(d.explanation.shadow).toBeUndefined();
  });
});

describe('click flooding', () => {
  it('enforced: a fingerprint touch with more clicks than the threshold cannot win', () => {
    const d = decide([fingerprintClick('fp', HOUR, { floodCount: 4 })], { clickFloodThreshold: 3 }, { gaid: undefined });
    expect(d).toMatchObject({ status: 'organic', touchId: null });
    expect(candidate(d, 'fp')).toMatchObject({ rule: 'fingerprint', won: false, reason: 'click_flooding' });
  });

  it('counts strictly more than the threshold: exactly the threshold still wins', () => {
    const d = decide([fingerprintClick('fp', HOUR, { floodCount: 3 })], { clickFloodThreshold: 3 }, { gaid: undefined });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'fingerprint', touchId: 'fp' });
  });

  it('without a threshold, no flood count excludes a touch', () => {
    const d = decide([fingerprintClick('fp', HOUR, { floodCount: 1_000_000 })], {}, { gaid: undefined });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'fp' });
  });

  it('enforced: an older, quiet fingerprint click wins over a newer flooded one', () => {
    const d = decide(
      [fingerprintClick('flooded', HOUR, { floodCount: 10, campaignId: 'camp-b' }), fingerprintClick('quiet', 2 * HOUR, { floodCount: 2 })],
      { clickFloodThreshold: 3 },
      { gaid: undefined },
    );
    expect(d).toMatchObject({ status: 'attributed', touchId: 'quiet', campaignId: 'camp-a' });
    expect(candidate(d, 'flooded')).toMatchObject({ reason: 'click_flooding' });
  });

  it('guards only fingerprinting: a flooded click of the same advertising id still wins by device_id', () => {
    const d = decide([fingerprintClick('both', HOUR, { gaid: GAID, floodCount: 99 })], { clickFloodThreshold: 3 });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'device_id', touchId: 'both' });
    expect(d.explanation.shadow).toBeUndefined();
  });

  it('shadow: the flooded fingerprint click wins and a shadow note records it', () => {
    const d = decide([fingerprintClick('fp', HOUR, { floodCount: 4 })], { clickFloodThreshold: 3, modes: { clickFlooding: 'shadow' } }, { gaid: undefined });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'fingerprint', touchId: 'fp' });
    expect(d.explanation.shadow).toEqual([{ rule: 'click_flooding', effect: 'would_exclude_touch', touchId: 'fp' }]);
  });

  it('shadow: no note when the winner matched by device_id', () => {
    const d = decide([fingerprintClick('both', HOUR, { gaid: GAID, floodCount: 99 })], {
      clickFloodThreshold: 3,
      modes: { clickFlooding: 'shadow' },
    });
    expect(d).toMatchObject({ matchType: 'device_id', touchId: 'both' });
    expect(d.explanation.shadow).toBeUndefined();
  });

  it('off: the flooded fingerprint click wins with no note', () => {
    const d = decide([fingerprintClick('fp', HOUR, { floodCount: 4 })], { clickFloodThreshold: 3, modes: { clickFlooding: 'off' } }, { gaid: undefined });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'fp' });
    expect(d.explanation.shadow).toBeUndefined();
  });
});

describe('click injection (CTIT under minCtitSeconds)', () => {
  it('enforced: rejected, still naming the touch, with the rejection and CTIT in the explanation', () => {
    const d = decide([deviceClick('fast', 5 * SECOND)], { minCtitSeconds: 10 });
    expect(d).toMatchObject({ status: 'rejected', matchType: 'device_id', touchId: 'fast', campaignId: 'camp-a', ctitSeconds: 5 });
    expect(d.explanation.rejection).toEqual({ reason: 'click_injection', minCtitSeconds: 10 });
    expect(d.explanation.shadow).toBeUndefined();
  });

  it('a CTIT exactly at the minimum is not injection', () => {
    const d = decide([deviceClick('ok', 10 * SECOND)], { minCtitSeconds: 10 });
    expect(d).toMatchObject({ status: 'attributed', ctitSeconds: 10 });
  });

  it('judges the winner only: an injected click that loses does not reject the install', () => {
    const d = decide([deviceClick('slow', HOUR, { gaid: undefined }), deviceClick('fast', 2 * SECOND)], { minCtitSeconds: 10 }, {
      referrerClickId: 'slow',
    });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'click_id', touchId: 'slow' });
  });

  it('never rejects a view-through: impressions are not clicks', () => {
    const view: Touch = { id: 'imp', kind: 'impression', campaignId: 'camp-a', ts: before(SECOND), gaid: GAID };
    expect(decide([view], { minCtitSeconds: 3600 })).toMatchObject({ status: 'attributed', matchType: 'view_through' });
  });

  it('shadow: attributed, with a would_reject note and no rejection', () => {
    const d = decide([deviceClick('fast', 5 * SECOND)], { minCtitSeconds: 10, modes: { clickInjection: 'shadow' } });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'fast', ctitSeconds: 5 });
    expect(d.explanation.rejection).toBeUndefined();
    expect(d.explanation.shadow).toEqual([{ rule: 'click_injection', effect: 'would_reject', touchId: 'fast' }]);
    expect(d.explanation.summary).toContain('Shadow mode: click_injection would reject.');
  });

  it('off: attributed, with neither rejection nor note', () => {
    const d = decide([deviceClick('fast', 5 * SECOND)], { minCtitSeconds: 10, modes: { clickInjection: 'off' } });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'fast' });
    expect(d.explanation.rejection).toBeUndefined();
    expect(d.explanation.shadow).toBeUndefined();
  });
});

describe('several fraud rules at once', () => {
  it('records every shadow note of the winner, in a fixed order', () => {
    const d = decide([fingerprintClick('fp', 2 * SECOND, { blocked: true, floodCount: 9 })], {
      clickFloodThreshold: 3,
      modes: { clickInjection: 'shadow', clickFlooding: 'shadow', ipBlocklist: 'shadow' },
    }, { gaid: undefined });
    expect(d.status).toBe('attributed');
    expect(d.explanation.shadow).toEqual([
      { rule: 'ip_blocklist', effect: 'would_exclude_touch', touchId: 'fp' },
      { rule: 'click_flooding', effect: 'would_exclude_touch', touchId: 'fp' },
      { rule: 'click_injection', effect: 'would_reject', touchId: 'fp' },
    ]);
  });

  it('an enforced rejection keeps the shadow notes of the other rules', () => {
    const d = decide([deviceClick('fast', 2 * SECOND, { blocked: true })], { modes: { ipBlocklist: 'shadow' } });
    expect(d.status).toBe('rejected');
    expect(d.explanation.rejection).toEqual({ reason: 'click_injection', minCtitSeconds: 10 });
    expect(d.explanation.shadow).toEqual([{ rule: 'ip_blocklist', effect: 'would_exclude_touch', touchId: 'fast' }]);
  });

  it('an enforced blocklist removes the touch before injection is judged', () => {
    const d = decide([deviceClick('clean', HOUR), deviceClick('fast', 2 * SECOND, { blocked: true })]);
    expect(d).toMatchObject({ status: 'attributed', touchId: 'clean' });
    expect(candidate(d, 'fast')).toMatchObject({ reason: 'blocked' });
  });
});
