import fc from 'fast-check';
import {
  decideAttribution,
  RULES,
  type CampaignWindows,
  type Decision,
  type DecisionInput,
  type InstallFacts,
  type MatchType,
  type Touch,
} from './attribution';

const INSTALLED_MS = Date.parse('2026-11-30T10:00:00.000Z');
const HOUR_S = 3600;

const GAID = 'gaid-install';
const IDFA = 'idfa-install';
const IP = '203.0.113.7';
const UA_KEY = 'android|14|pixel 8';

const WINDOW_HOURS = [0, 1, 2, 24, 168] as const;
const CAMPAIGN_IDS = ['camp-a', 'camp-b', 'camp-c'] as const;

const windowsArb: fc.Arbitrary<CampaignWindows> = fc.record({
  clickLookbackHours: fc.constantFrom(1, 2, 24, 168),
  viewLookbackHours: fc.constantFrom(...WINDOW_HOURS),
  fingerprintLookbackHours: fc.constantFrom(...WINDOW_HOURS),
});

/** Seconds before the install (negative: after it). Biased towards window edges, to the second. */
const ageSecondsArb = fc.oneof(
  fc.integer({ min: -2 * 24 * HOUR_S, max: 200 * HOUR_S }),
  fc.tuple(fc.constantFrom(...WINDOW_HOURS), fc.constantFrom(-1, 0, 1)).map(([h, d]) => h * HOUR_S + d),
);

interface TouchShape {
  kind: Touch['kind'];
  campaignId: string;
  ageS: number;
  gaid?: string;
  idfa?: string;
  ip?: string;
  uaKey?: string;
}

const touchShapeArb: fc.Arbitrary<TouchShape> = fc.record(
  {
    kind: fc.constantFrom<Touch['kind']>('click', 'impression'),
    campaignId: fc.constantFrom<string>(...CAMPAIGN_IDS, 'camp-unknown'),
    ageS: ageSecondsArb,
    gaid: fc.constantFrom(GAID, 'gaid-other'),
    idfa: fc.constantFrom(IDFA, 'idfa-other'),
    ip: fc.constantFrom(IP, '198.51.100.1'),
    uaKey: fc.constantFrom(UA_KEY, 'ios|17|iphone15,2'),
  },
  { requiredKeys: ['kind', 'campaignId', 'ageS'] },
);

const toTouch = (shape: TouchShape, id: string): Touch => {
  const { ageS, ...rest } = shape;
  return { id, ...rest, ts: new Date(INSTALLED_MS - ageS * 1000) };
};

const touchesArb: fc.Arbitrary<Touch[]> = fc
  .array(touchShapeArb, { maxLength: 12 })
  .chain((shapes) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: 9999 }), { minLength: shapes.length, maxLength: shapes.length })
      .map((ids) => shapes.map((s, i) => toTouch(s, `t${String(ids[i]).padStart(4, '0')}`))),
  );

const installArb = (touches: Touch[]): fc.Arbitrary<InstallFacts> =>
  fc.record({
    installedAt: fc.constant(new Date(INSTALLED_MS)),
    gaid: fc.option(fc.constant(GAID), { nil: undefined }),
    idfa: fc.option(fc.constant(IDFA), { nil: undefined }),
    referrerClickId: fc.option(
      touches.length > 0 ? fc.oneof(fc.constantFrom(...touches.map((t) => t.id)), fc.constant('t-none')) : fc.constant('t-none'),
      { nil: undefined },
    ),
    ip: fc.option(fc.constant(IP), { nil: undefined }),
    uaKey: fc.option(fc.constant(UA_KEY), { nil: undefined }),
    consentAttribution: fc.constantFrom<boolean | null | undefined>(true, false, null, undefined),
  });

const campaignsArb: fc.Arbitrary<Map<string, CampaignWindows>> = fc
  .tuple(windowsArb, windowsArb, windowsArb)
  .map((ws) => new Map(CAMPAIGN_IDS.map((id, i) => [id, ws[i]])));

const appArb = fc.record({
  minCtitSeconds: fc.constantFrom(0, 10, 60),
  reattributionDays: fc.constant(90),
});

const inputArb: fc.Arbitrary<DecisionInput> = touchesArb.chain((touches) =>
  fc.record({
    install: installArb(touches),
    touches: fc.constant(touches),
    campaigns: campaignsArb,
    app: appArb,
  }),
);

function windowHours(rule: MatchType, w: CampaignWindows): number {
  if (rule === 'view_through') return w.viewLookbackHours;
  if (rule === 'fingerprint') return w.fingerprintLookbackHours;
  return w.clickLookbackHours;
}

/** Independent statement of API.md's rules: which touch should win, under which rule. */
function oracle(input: DecisionInput): { touch: Touch; rule: MatchType } | undefined {
  const { install } = input;
  const installedMs = install.installedAt.getTime();
  const matches = (t: Touch, rule: MatchType): boolean => {
    const sameDevice =
      (install.gaid !== undefined && t.gaid === install.gaid) || (install.idfa !== undefined && t.idfa === install.idfa);
    switch (rule) {
      case 'click_id':
        return t.kind === 'click' && install.referrerClickId !== undefined && t.id === install.referrerClickId;
      case 'device_id':
        return t.kind === 'click' && sameDevice;
      case 'fingerprint':
        return (
          t.kind === 'click' &&
          install.consentAttribution !== false &&
          install.ip !== undefined &&
          install.uaKey !== undefined &&
          t.ip === install.ip &&
          t.uaKey === install.uaKey
        );
      case 'view_through':
        return t.kind === 'impression' && sameDevice;
    }
  };
  for (const rule of RULES) {
    const inside = input.touches.filter((t) => {
      const w = input.campaigns.get(t.campaignId);
      if (!w || !matches(t, rule)) return false;
      const hours = windowHours(rule, w);
      if (rule === 'fingerprint' && hours === 0) return false;
      const age = installedMs - t.ts.getTime();
      return age > 0 && age <= hours * 3_600_000;
    });
    if (inside.length > 0) {
      const best = inside.reduce((a, b) => {
        const d = a.ts.getTime() - b.ts.getTime();
        if (d !== 0) return d > 0 ? a : b;
        return a.id > b.id ? a : b;
      });
      return { touch: best, rule };
    }
  }
  return undefined;
}

const winnerOf = (input: DecisionInput, d: Decision) => input.touches.find((t) => t.id === d.touchId);

/** What a shuffled input must reproduce exactly. */
function outcomeOf(d: Decision) {
  return {
    status: d.status,
    matchType: d.matchType,
    campaignId: d.campaignId,
    touchId: d.touchId,
    touchKind: d.touchKind,
    ctitSeconds: d.ctitSeconds,
    rule: d.explanation.rule,
    winner: d.explanation.winner,
    rejection: d.explanation.rejection,
  };
}

const sortedCandidates = (d: Decision) =>
  [...d.explanation.candidates].sort((a, b) => (a.touchId < b.touchId ? -1 : a.touchId > b.touchId ? 1 : 0));

describe('decideAttribution — properties', () => {
  it('picks the winner API.md describes (first matching rule, latest touch, ties by id)', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decideAttribution(input);
        const expected = oracle(input);
        if (!expected) {
          expect(d.status).toBe('organic');
          expect(d.touchId).toBeNull();
          return;
        }
        expect(d.touchId).toBe(expected.touch.id);
        expect(d.matchType).toBe(expected.rule);
        expect(d.campaignId).toBe(expected.touch.campaignId);
        const ctit = Math.floor((INSTALLED_MS - expected.touch.ts.getTime()) / 1000);
        expect(d.ctitSeconds).toBe(ctit);
        const rejected = expected.touch.kind === 'click' && ctit < input.app.minCtitSeconds;
        expect(d.status).toBe(rejected ? 'rejected' : 'attributed');
      }),
      { numRuns: 500 },
    );
  });

  it('a touch after the install never wins', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 1, max: 48 * HOUR_S * 1000 }), (input, afterMs) => {
        // A click that matches every rule, but after the install.
        const late: Touch = {
          id: 't-late',
          kind: 'click',
          campaignId: 'camp-a',
          ts: new Date(INSTALLED_MS + afterMs),
          gaid: GAID,
          idfa: IDFA,
          ip: IP,
          uaKey: UA_KEY,
        };
        const withLate: DecisionInput = {
          ...input,
          install: { ...input.install, gaid: GAID, referrerClickId: 't-late' },
          touches: [...input.touches, late],
        };
        const d = decideAttribution(withLate);
        expect(d.touchId).not.toBe('t-late');
        const lateOutcome = d.explanation.candidates.find((c) => c.touchId === 't-late');
        expect(lateOutcome).toMatchObject({ won: false, reason: 'after_install' });
        const winner = winnerOf(withLate, d);
        if (winner) expect(winner.ts.getTime()).toBeLessThanOrEqual(INSTALLED_MS);
      }),
      { numRuns: 300 },
    );
  });

  it('a touch outside its window never wins', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decideAttribution(input);
        if (d.touchId === null) return;
        const winner = winnerOf(input, d)!;
        const w = input.campaigns.get(winner.campaignId);
        expect(w).toBeDefined();
        const hours = windowHours(d.matchType!, w!);
        expect(d.explanation.winner?.lookbackHours).toBe(hours);
        expect(INSTALLED_MS - winner.ts.getTime()).toBeLessThanOrEqual(hours * 3_600_000);
        expect(INSTALLED_MS - winner.ts.getTime()).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a deterministic (click_id/device_id) match always beats a fingerprint', () => {
    fc.assert(
      fc.property(
        inputArb,
        fc.constantFrom(...CAMPAIGN_IDS),
        fc.integer({ min: 0, max: HOUR_S - 1 }),
        fc.boolean(),
        (input, campaignId, ageS, byReferrer) => {
          // Guarantee one in-window deterministic click and one newer fingerprint click.
          const det: Touch = {
            id: 't-det',
            kind: 'click',
            campaignId,
            ts: new Date(INSTALLED_MS - ageS * 1000 - 1000),
            ...(byReferrer ? {} : { gaid: GAID }),
          };
          const fp: Touch = { id: 't-fp', kind: 'click', campaignId, ts: new Date(INSTALLED_MS - ageS * 1000), ip: IP, uaKey: UA_KEY };
          const withBoth: DecisionInput = {
            ...input,
            install: {
              ...input.install,
              gaid: GAID,
              ip: IP,
              uaKey: UA_KEY,
              ...(byReferrer ? { referrerClickId: 't-det' } : {}),
            },
            touches: [...input.touches, fp, det],
          };
          const d = decideAttribution(withBoth);
          expect(['click_id', 'device_id']).toContain(d.matchType);
          expect(d.touchId).not.toBe('t-fp');
          const fpOutcome = d.explanation.candidates.find((c) => c.touchId === 't-fp');
          expect(fpOutcome?.won).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the same inputs in any touch order give the same decision', () => {
    fc.assert(
      fc.property(
        inputArb.chain((input) =>
          fc
            .shuffledSubarray([...input.touches], { minLength: input.touches.length, maxLength: input.touches.length })
            .map((shuffled) => [input, shuffled] as const),
        ),
        ([input, shuffled]) => {
          const a = decideAttribution(input);
          const b = decideAttribution({ ...input, touches: shuffled });
          expect(outcomeOf(b)).toEqual(outcomeOf(a));
          expect(sortedCandidates(b)).toEqual(sortedCandidates(a));
          if (a.status !== 'organic') expect(b.explanation.summary).toBe(a.explanation.summary);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('adding an older touch of the same rule never changes a decision a newer touch won', () => {
    fc.assert(
      fc.property(
        inputArb.filter((input) => {
          const d = decideAttribution(input);
          return d.touchId !== null && d.matchType !== 'click_id';
        }),
        fc.integer({ min: 1, max: 300 * HOUR_S * 1000 }),
        (input, olderByMs) => {
          const before = decideAttribution(input);
          const winner = winnerOf(input, before)!;
          // Same device / fingerprint attributes and campaign as the winner, so it can only match the same rule(s).
          const older: Touch = { ...winner, id: 't-older', ts: new Date(winner.ts.getTime() - olderByMs) };
          const after = decideAttribution({ ...input, touches: [...input.touches, older] });
          expect(outcomeOf(after)).toEqual(outcomeOf(before));
          const olderOutcome = after.explanation.candidates.find((c) => c.touchId === 't-older');
          expect(olderOutcome?.won).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
