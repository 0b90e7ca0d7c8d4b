import {
  decideAttribution,
  type AppRules,
  type CampaignWindows,
  type DecisionInput,
  type InstallFacts,
  type Touch,
} from './attribution';

const INSTALLED_AT = new Date('2026-11-30T10:00:00.000Z');
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const GAID = '3f1c2b6e-8a4d-4b1e-9c3a-1d2e3f4a5b6c';
const IDFA = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER_GAID = '99999999-8888-4777-8666-555555555555';
const IP = '203.0.113.7';
const UA_KEY = 'android|14|pixel 8';

const DEFAULT_WINDOWS: CampaignWindows = { clickLookbackHours: 168, viewLookbackHours: 24, fingerprintLookbackHours: 24 };
const DEFAULT_APP: AppRules = { minCtitSeconds: 10, reattributionDays: 90 };

/** A time `ms` before the install. */
const before = (ms: number) => new Date(INSTALLED_AT.getTime() - ms);

function click(id: string, ageMs: number, extra: Partial<Touch> = {}): Touch {
  return { id, kind: 'click', campaignId: 'camp-a', ts: before(ageMs), ...extra };
}

function impression(id: string, ageMs: number, extra: Partial<Touch> = {}): Touch {
  return { id, kind: 'impression', campaignId: 'camp-a', ts: before(ageMs), ...extra };
}

function decide(
  touches: Touch[],
  install: Partial<InstallFacts> = {},
  opts: { campaigns?: Record<string, CampaignWindows>; app?: Partial<AppRules>; priorInstall?: DecisionInput['priorInstall'] } = {},
) {
  const campaigns = new Map(
    Object.entries(opts.campaigns ?? { 'camp-a': DEFAULT_WINDOWS, 'camp-b': DEFAULT_WINDOWS }),
  );
  return decideAttribution({
    install: { installedAt: INSTALLED_AT, ...install },
    touches,
    campaigns,
    app: { ...DEFAULT_APP, ...opts.app },
    priorInstall: opts.priorInstall,
  });
}

function candidate(decision: ReturnType<typeof decide>, touchId: string) {
  const found = decision.explanation.candidates.filter((c) => c.touchId === touchId);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('decideAttribution — click_id rule', () => {
  it('attributes to the click the referrer names', () => {
    const d = decide([click('c1', 2 * HOUR)], { referrerClickId: 'c1' });
    expect(d).toMatchObject({
      status: 'attributed',
      matchType: 'click_id',
      campaignId: 'camp-a',
      touchId: 'c1',
      touchKind: 'click',
      ctitSeconds: 7200,
    });
    expect(d.explanation.rule).toBe('click_id');
    expect(d.explanation.winner).toEqual({
      touchId: 'c1',
      kind: 'click',
      campaignId: 'camp-a',
      ts: before(2 * HOUR).toISOString(),
      lookbackHours: 168,
    });
  });

  it('beats a newer click with the same device id', () => {
    const d = decide(
      [click('referred', 5 * HOUR, { campaignId: 'camp-a' }), click('newer', 1 * HOUR, { campaignId: 'camp-b', gaid: GAID })],
      { referrerClickId: 'referred', gaid: GAID },
    );
    expect(d.status).toBe('attributed');
    expect(d.matchType).toBe('click_id');
    expect(d.touchId).toBe('referred');
    expect(d.campaignId).toBe('camp-a');
    expect(candidate(d, 'newer')).toMatchObject({ won: false, rule: 'device_id', reason: 'lower_priority_rule' });
  });

  it('falls back to the other rules when the referred click is outside the click lookback', () => {
    const d = decide(
      [click('referred', 169 * HOUR), click('device', 3 * HOUR, { campaignId: 'camp-b', gaid: GAID })],
      { referrerClickId: 'referred', gaid: GAID },
    );
    expect(d).toMatchObject({ status: 'attributed', matchType: 'device_id', touchId: 'device', campaignId: 'camp-b' });
    expect(candidate(d, 'referred')).toMatchObject({ won: false, rule: 'click_id', reason: 'outside_window' });
  });

  it('a named click outside the lookback is not rescued by also carrying the device id', () => {
    // click_id and device_id share the click lookback, so outside is outside for both.
    const d = decide([click('referred', 169 * HOUR, { gaid: GAID })], { referrerClickId: 'referred', gaid: GAID });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'referred')).toMatchObject({ rule: 'click_id', reason: 'outside_window', won: false });
  });

  it('ignores a referrer click id that names an impression', () => {
    const d = decide([impression('imp1', HOUR)], { referrerClickId: 'imp1' });
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([]);
  });
});

describe('decideAttribution — device_id rule', () => {
  it('matches a click by GAID', () => {
    const d = decide([click('c1', HOUR, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'device_id', touchId: 'c1', ctitSeconds: 3600 });
  });

  it('matches a click by IDFA', () => {
    const d = decide([click('c1', HOUR, { idfa: IDFA })], { idfa: IDFA });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'device_id', touchId: 'c1' });
  });

  it('does not match a click with a different GAID', () => {
    const d = decide([click('c1', HOUR, { gaid: OTHER_GAID })], { gaid: GAID });
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([]);
  });

  it('does not match on absent ids on both sides', () => {
    const d = decide([click('c1', HOUR)], {});
    expect(d.status).toBe('organic');
  });

  it('the latest touch wins within the rule; the older loses as older_touch', () => {
    const d = decide(
      [
        click('old', 10 * HOUR, { gaid: GAID }),
        click('latest', 2 * HOUR, { gaid: GAID, campaignId: 'camp-b' }),
        click('mid', 5 * HOUR, { gaid: GAID }),
      ],
      { gaid: GAID },
    );
    expect(d).toMatchObject({ status: 'attributed', touchId: 'latest', campaignId: 'camp-b' });
    expect(candidate(d, 'latest')).toMatchObject({ won: true, rule: 'device_id' });
    expect(candidate(d, 'latest').reason).toBeUndefined();
    expect(candidate(d, 'mid')).toMatchObject({ won: false, reason: 'older_touch' });
    expect(candidate(d, 'old')).toMatchObject({ won: false, reason: 'older_touch' });
    expect(d.explanation.candidates.map((c) => c.touchId)).toEqual(['latest', 'mid', 'old']);
  });

  it('breaks ties at the same timestamp by id, whatever the input order', () => {
    const a = click('0190aaaa-0000-7000-8000-000000000001', HOUR, { gaid: GAID, campaignId: 'camp-a' });
    const b = click('0190aaaa-0000-7000-8000-000000000002', HOUR, { gaid: GAID, campaignId: 'camp-b' });
    const d1 = decide([a, b], { gaid: GAID });
    const d2 = decide([b, a], { gaid: GAID });
    expect(d1.touchId).toBe(b.id); // the greater id wins a tie
    expect(d2.touchId).toBe(b.id);
    expect(d1).toEqual(d2);
    expect(candidate(d1, a.id)).toMatchObject({ won: false, reason: 'older_touch' });
  });
});

describe('decideAttribution — windows', () => {
  it('counts a click exactly at the lookback boundary', () => {
    const d = decide([click('c1', 168 * HOUR, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'c1', ctitSeconds: 168 * 3600 });
  });

  it('does not count a click one second past the lookback boundary', () => {
    const d = decide([click('c1', 168 * HOUR + SECOND, { gaid: GAID })], { gaid: GAID });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'c1')).toMatchObject({ won: false, rule: 'device_id', reason: 'outside_window' });
  });

  it('treats the click_id rule boundary the same way', () => {
    expect(decide([click('c1', 168 * HOUR)], { referrerClickId: 'c1' }).status).toBe('attributed');
    expect(decide([click('c1', 168 * HOUR + SECOND)], { referrerClickId: 'c1' }).status).toBe('organic');
  });

  it('never counts a touch after installedAt (after_install), even a second after', () => {
    const d = decide([click('late', -SECOND, { gaid: GAID })], { gaid: GAID, referrerClickId: 'late' });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'late')).toMatchObject({ won: false, reason: 'after_install' });
  });

  it('an earlier in-window touch wins over a later one that came after the install', () => {
    const d = decide([click('late', -HOUR, { gaid: GAID }), click('early', HOUR, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'early' });
    expect(candidate(d, 'late')).toMatchObject({ won: false, reason: 'after_install' });
  });

  it('applies each campaign its own click lookback', () => {
    const campaigns = {
      short: { ...DEFAULT_WINDOWS, clickLookbackHours: 2 },
      long: { ...DEFAULT_WINDOWS, clickLookbackHours: 48 },
    };
    // The newer click belongs to the short-window campaign but is 3 h old: outside its 2 h window.
    const d = decide(
      [
        click('shortClick', 3 * HOUR, { gaid: GAID, campaignId: 'short' }),
        click('longClick', 30 * HOUR, { gaid: GAID, campaignId: 'long' }),
      ],
      { gaid: GAID },
      { campaigns },
    );
    expect(d).toMatchObject({ status: 'attributed', touchId: 'longClick', campaignId: 'long' });
    expect(d.explanation.winner?.lookbackHours).toBe(48);
    expect(candidate(d, 'shortClick')).toMatchObject({ won: false, reason: 'outside_window' });

    // Inside its own window the short campaign's newer click wins.
    const d2 = decide(
      [
        click('shortClick', 1 * HOUR, { gaid: GAID, campaignId: 'short' }),
        click('longClick', 30 * HOUR, { gaid: GAID, campaignId: 'long' }),
      ],
      { gaid: GAID },
      { campaigns },
    );
    expect(d2).toMatchObject({ touchId: 'shortClick', campaignId: 'short' });
    expect(d2.explanation.winner?.lookbackHours).toBe(2);
  });

  it('gives a touch of a campaign without windows the reason unknown_campaign', () => {
    const d = decide([click('ghost', HOUR, { gaid: GAID, campaignId: 'deleted' })], { gaid: GAID });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'ghost')).toMatchObject({ won: false, reason: 'unknown_campaign', campaignId: 'deleted' });
  });
});

describe('decideAttribution — fingerprint', () => {
  const fp = { ip: IP, uaKey: UA_KEY };

  it('matches the same IP and UA key inside the fingerprint lookback', () => {
    const d = decide([click('c1', 3 * HOUR, fp)], fp);
    expect(d).toMatchObject({ status: 'attributed', matchType: 'fingerprint', touchId: 'c1' });
    expect(d.explanation.winner?.lookbackHours).toBe(24);
  });

  it('does not match when only the IP is the same', () => {
    expect(decide([click('c1', HOUR, { ip: IP, uaKey: 'ios|17|iphone15,2' })], fp).status).toBe('organic');
  });

  it('does not match when only the UA key is the same', () => {
    expect(decide([click('c1', HOUR, { ip: '198.51.100.1', uaKey: UA_KEY })], fp).status).toBe('organic');
  });

  it('does not match when the install has no IP/UA key even if the click has none either', () => {
    expect(decide([click('c1', HOUR)], {}).status).toBe('organic');
  });

  it('uses the fingerprint lookback, not the click lookback', () => {
    expect(decide([click('c1', 24 * HOUR, fp)], fp).status).toBe('attributed');
    const d = decide([click('c1', 24 * HOUR + SECOND, fp)], fp);
    expect(d.status).toBe('organic');
    expect(candidate(d, 'c1')).toMatchObject({ rule: 'fingerprint', reason: 'outside_window' });
  });

  it('is not used when consent.attribution is false (no_consent)', () => {
    const d = decide([click('c1', HOUR, fp)], { ...fp, consentAttribution: false });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'c1')).toMatchObject({ won: false, rule: 'fingerprint', reason: 'no_consent' });
  });

  it('is used when consent is absent or null', () => {
    expect(decide([click('c1', HOUR, fp)], { ...fp, consentAttribution: null }).matchType).toBe('fingerprint');
    expect(decide([click('c1', HOUR, fp)], { ...fp, consentAttribution: undefined }).matchType).toBe('fingerprint');
    expect(decide([click('c1', HOUR, fp)], { ...fp, consentAttribution: true }).matchType).toBe('fingerprint');
  });

  it('without consent a deterministic match still attributes', () => {
    const d = decide([click('c1', HOUR, { ...fp, gaid: GAID })], { ...fp, gaid: GAID, consentAttribution: false });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'device_id' });
  });

  it('a click matching both device id and fingerprint is judged once, under the better rule', () => {
    const d = decide([click('c1', HOUR, { ...fp, gaid: GAID })], { ...fp, gaid: GAID });
    expect(d.matchType).toBe('device_id');
    expect(d.explanation.candidates).toEqual([
      { touchId: 'c1', kind: 'click', campaignId: 'camp-a', ts: before(HOUR).toISOString(), rule: 'device_id', won: true },
    ]);
    expect(d.explanation.summary).not.toContain('other touch(es) lost');
  });

  it('is off when the campaign has fingerprintLookbackHours 0', () => {
    const d = decide([click('c1', HOUR, fp)], fp, {
      campaigns: { 'camp-a': { ...DEFAULT_WINDOWS, fingerprintLookbackHours: 0 } },
    });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'c1')).toMatchObject({ won: false, rule: 'fingerprint', reason: 'fingerprint_off' });
  });

  it('is off per campaign: another campaign can still win by fingerprint', () => {
    const d = decide(
      [click('off', HOUR, { ...fp, campaignId: 'camp-off' }), click('on', 5 * HOUR, { ...fp, campaignId: 'camp-on' })],
      fp,
      {
        campaigns: {
          'camp-off': { ...DEFAULT_WINDOWS, fingerprintLookbackHours: 0 },
          'camp-on': DEFAULT_WINDOWS,
        },
      },
    );
    expect(d).toMatchObject({ status: 'attributed', matchType: 'fingerprint', touchId: 'on' });
    expect(candidate(d, 'off')).toMatchObject({ reason: 'fingerprint_off' });
  });

  it('never applies to impressions', () => {
    expect(decide([impression('i1', HOUR, fp)], fp).status).toBe('organic');
  });
});

describe('decideAttribution — view_through', () => {
  it('attributes an impression with the same device id inside viewLookbackHours', () => {
    const d = decide([impression('i1', 20 * HOUR, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'view_through', touchId: 'i1', touchKind: 'impression' });
    expect(d.explanation.winner?.lookbackHours).toBe(24);
  });

  it('matches impressions by IDFA too', () => {
    expect(decide([impression('i1', HOUR, { idfa: IDFA })], { idfa: IDFA }).matchType).toBe('view_through');
  });

  it('uses the view lookback: exactly at the edge counts, one second past does not', () => {
    const windows = { 'camp-a': { ...DEFAULT_WINDOWS, viewLookbackHours: 6 } };
    expect(decide([impression('i1', 6 * HOUR, { gaid: GAID })], { gaid: GAID }, { campaigns: windows }).status).toBe(
      'attributed',
    );
    const d = decide([impression('i1', 6 * HOUR + SECOND, { gaid: GAID })], { gaid: GAID }, { campaigns: windows });
    expect(d.status).toBe('organic');
    expect(candidate(d, 'i1')).toMatchObject({ rule: 'view_through', reason: 'outside_window' });
  });

  it('does not match an impression of another device', () => {
    expect(decide([impression('i1', HOUR, { gaid: OTHER_GAID })], { gaid: GAID }).status).toBe('organic');
  });

  it('an impression is not rejected for a short time to install (CTIT is for clicks)', () => {
    const d = decide([impression('i1', 2 * SECOND, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'view_through', ctitSeconds: 2 });
  });
});

describe('decideAttribution — rule priority', () => {
  it('device_id beats a newer fingerprint match', () => {
    const d = decide(
      [click('fp', HOUR, { ip: IP, uaKey: UA_KEY, campaignId: 'camp-b' }), click('dev', 20 * HOUR, { gaid: GAID })],
      { gaid: GAID, ip: IP, uaKey: UA_KEY },
    );
    expect(d).toMatchObject({ matchType: 'device_id', touchId: 'dev', campaignId: 'camp-a' });
    expect(candidate(d, 'fp')).toMatchObject({ rule: 'fingerprint', reason: 'lower_priority_rule' });
  });

  it('fingerprint beats a newer view-through impression', () => {
    const d = decide(
      [impression('imp', HOUR, { gaid: GAID }), click('fp', 5 * HOUR, { ip: IP, uaKey: UA_KEY, campaignId: 'camp-b' })],
      { gaid: GAID, ip: IP, uaKey: UA_KEY },
    );
    expect(d).toMatchObject({ matchType: 'fingerprint', touchId: 'fp', campaignId: 'camp-b' });
    expect(candidate(d, 'imp')).toMatchObject({ rule: 'view_through', reason: 'lower_priority_rule' });
  });

  it('device_id beats a newer view-through impression', () => {
    const d = decide([impression('imp', HOUR, { gaid: GAID }), click('dev', 23 * HOUR, { gaid: GAID })], {
      gaid: GAID,
    });
    expect(d).toMatchObject({ matchType: 'device_id', touchId: 'dev' });
  });

  it('lists candidates by rule priority, then newest first, then touches that never counted', () => {
    const d = decide(
      [
        click('outside', 200 * HOUR, { gaid: GAID }),
        impression('imp', HOUR, { gaid: GAID }),
        click('fp', 2 * HOUR, { ip: IP, uaKey: UA_KEY }),
        click('dev-old', 30 * HOUR, { gaid: GAID }),
        click('dev-new', 10 * HOUR, { gaid: GAID }),
        click('ref', 50 * HOUR),
      ],
      { gaid: GAID, ip: IP, uaKey: UA_KEY, referrerClickId: 'ref' },
    );
    expect(d.touchId).toBe('ref');
    expect(d.explanation.candidates.map((c) => [c.touchId, c.rule, c.won, c.reason ?? null])).toEqual([
      ['ref', 'click_id', true, null],
      ['dev-new', 'device_id', false, 'lower_priority_rule'],
      ['dev-old', 'device_id', false, 'lower_priority_rule'],
      ['fp', 'fingerprint', false, 'lower_priority_rule'],
      ['imp', 'view_through', false, 'lower_priority_rule'],
      ['outside', 'device_id', false, 'outside_window'],
    ]);
    expect(d.explanation.summary).toContain('5 other touch(es) lost');
  });
});

describe('decideAttribution — organic', () => {
  it('is organic with no touches at all', () => {
    const d = decide([], { gaid: GAID });
    expect(d).toEqual({
      status: 'organic',
      matchType: null,
      campaignId: null,
      touchId: null,
      touchKind: null,
      ctitSeconds: null,
      explanation: {
        summary: 'Organic: no click or impression matched this install.',
        rule: null,
        winner: null,
        ctitSeconds: null,
        candidates: [],
      },
    });
  });

  it('leaves touches of other devices out of the explanation', () => {
    const d = decide([click('c1', HOUR, { gaid: OTHER_GAID }), impression('i1', HOUR, { idfa: IDFA })], { gaid: GAID });
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([]);
  });

  it('explains why matching touches did not count', () => {
    const d = decide([click('c1', 200 * HOUR, { gaid: GAID }), click('c2', -HOUR, { gaid: GAID })], { gaid: GAID });
    expect(d.status).toBe('organic');
    expect(d.explanation.summary).toContain('2 touch(es)');
    expect(d.explanation.summary).toContain('outside_window');
    expect(d.explanation.summary).toContain('after_install');
  });
});

describe('decideAttribution — click injection (CTIT)', () => {
  it('rejects a click under minCtitSeconds with an explanation', () => {
    const d = decide([click('c1', 9 * SECOND, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({
      status: 'rejected',
      matchType: 'device_id',
      campaignId: 'camp-a',
      touchId: 'c1',
      ctitSeconds: 9,
    });
    expect(d.explanation.rejection).toEqual({ reason: 'click_injection', minCtitSeconds: 10 });
    expect(d.explanation.summary).toMatch(/^Rejected as click injection/);
  });

  it('accepts a click exactly at minCtitSeconds', () => {
    const d = decide([click('c1', 10 * SECOND, { gaid: GAID })], { gaid: GAID });
    expect(d.status).toBe('attributed');
    expect(d.explanation.rejection).toBeUndefined();
  });

  it('rounds the CTIT down to whole seconds (9.999 s is under 10 s)', () => {
    const d = decide([click('c1', 10 * SECOND - 1, { gaid: GAID })], { gaid: GAID });
    expect(d).toMatchObject({ status: 'rejected', ctitSeconds: 9 });
  });

  it('uses the app minimum', () => {
    const d = decide([click('c1', 30 * SECOND, { gaid: GAID })], { gaid: GAID }, { app: { minCtitSeconds: 60 } });
    expect(d.status).toBe('rejected');
    expect(d.explanation.rejection?.minCtitSeconds).toBe(60);
    expect(decide([click('c1', 30 * SECOND, { gaid: GAID })], { gaid: GAID }, { app: { minCtitSeconds: 0 } }).status).toBe(
      'attributed',
    );
  });

  it('judges the CTIT of the winning touch only', () => {
    // The click_id winner is old enough; a newer device-id click (which lost) being too fresh does not matter.
    const d = decide([click('ref', HOUR), click('fresh', 2 * SECOND, { gaid: GAID })], {
      referrerClickId: 'ref',
      gaid: GAID,
    });
    expect(d.status).toBe('attributed');
  });
});

describe('decideAttribution — reinstall', () => {
  const touches = [click('c1', HOUR, { gaid: GAID })];

  it('a device that installed inside reattributionDays is a reinstall and not attributed', () => {
    const prior = { id: 'inst-1', installedAt: new Date(INSTALLED_AT.getTime() - 30 * DAY) };
    const d = decide(touches, { gaid: GAID }, { priorInstall: prior });
    expect(d).toMatchObject({ status: 'reinstall', matchType: null, campaignId: null, touchId: null });
    expect(d.explanation.reinstallOf).toEqual({
      installId: 'inst-1',
      installedAt: prior.installedAt.toISOString(),
      reattributionDays: 90,
    });
  });

  it('exactly reattributionDays ago is still a reinstall', () => {
    const prior = { id: 'inst-1', installedAt: new Date(INSTALLED_AT.getTime() - 90 * DAY) };
    expect(decide(touches, { gaid: GAID }, { priorInstall: prior }).status).toBe('reinstall');
  });

  it('outside reattributionDays the install is attributed normally', () => {
    const prior = { id: 'inst-1', installedAt: new Date(INSTALLED_AT.getTime() - 90 * DAY - SECOND) };
    const d = decide(touches, { gaid: GAID }, { priorInstall: prior });
    expect(d).toMatchObject({ status: 'attributed', touchId: 'c1' });
    expect(d.explanation.reinstallOf).toBeUndefined();
  });

  it('uses the app reattributionDays', () => {
    const prior = { id: 'inst-1', installedAt: new Date(INSTALLED_AT.getTime() - 10 * DAY) };
    expect(decide(touches, { gaid: GAID }, { priorInstall: prior, app: { reattributionDays: 7 } }).status).toBe(
      'attributed',
    );
    expect(decide(touches, { gaid: GAID }, { priorInstall: prior, app: { reattributionDays: 14 } }).status).toBe(
      'reinstall',
    );
  });

  it('an earlier-recorded install dated after this one does not make this one a reinstall', () => {
    const prior = { id: 'inst-2', installedAt: new Date(INSTALLED_AT.getTime() + DAY) };
    expect(decide(touches, { gaid: GAID }, { priorInstall: prior }).status).toBe('attributed');
  });

  it('outside the window, a reinstall with no touch is organic', () => {
    const prior = { id: 'inst-1', installedAt: new Date(INSTALLED_AT.getTime() - 200 * DAY) };
    expect(decide([], { gaid: GAID }, { priorInstall: prior }).status).toBe('organic');
  });
});

describe('decideAttribution — a touch at the install instant', () => {
  it('does not count a click at exactly installedAt (only touches before the install count)', () => {
    const installedAt = new Date('2026-11-30T10:00:00Z');
    const decision = decideAttribution({
      install: { installedAt, gaid: 'g1' },
      touches: [{ id: 'c1', kind: 'click', campaignId: 'camp', ts: installedAt, gaid: 'g1' }],
      campaigns: new Map([['camp', { clickLookbackHours: 168, viewLookbackHours: 24, fingerprintLookbackHours: 24 }]]),
      app: { minCtitSeconds: 0, reattributionDays: 90 },
    });
    expect(decision.status).toBe('organic');
    expect(decision.explanation.candidates).toEqual([expect.objectContaining({ touchId: 'c1', reason: 'after_install' })]);
  });
});
