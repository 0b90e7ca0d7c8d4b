import fc from 'fast-check';
import { DAY_MS, checkAudienceRule, evaluateRule, type AudienceRule, type MemberFacts } from './audience-rules';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const NAMES = ['purchase', 'refund', 'open'] as const;
const CAMPAIGNS = ['0192f3a0-0000-7000-8000-000000000001', '0192f3a0-0000-7000-8000-000000000002'] as const;
const WINDOWS = [1, 2, 7, 30] as const;

const boundArb = (whole: boolean) =>
  fc
    .record({ gte: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }), lte: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) })
    .filter((b) => (b.gte !== undefined || b.lte !== undefined) && (b.gte === undefined || b.lte === undefined || b.gte <= b.lte))
    .map((b) => {
      const out: { gte?: number; lte?: number } = {};
      if (b.gte !== undefined) out.gte = whole ? b.gte : b.gte * 2.5;
      if (b.lte !== undefined) out.lte = whole ? b.lte : b.lte * 2.5;
      return out;
    });

const leafArb: fc.Arbitrary<AudienceRule> = fc.oneof(
  fc
    .record({
      event: fc.constantFrom(...NAMES),
      withinDays: fc.option(fc.constantFrom(...WINDOWS), { nil: undefined }),
      count: fc.option(boundArb(true), { nil: undefined }),
      revenueUsd: fc.option(boundArb(false), { nil: undefined }),
    })
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as AudienceRule),
  fc.constantFrom(...WINDOWS).map((d): AudienceRule => ({ installedWithinDays: d })),
  fc.constantFrom(...CAMPAIGNS).map((c): AudienceRule => ({ campaignId: c })),
);

const ruleArb: fc.Arbitrary<AudienceRule> = fc.letrec<{ rule: AudienceRule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    tie('rule').map((r): AudienceRule => ({ not: r })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((rs): AudienceRule => ({ all: rs })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((rs): AudienceRule => ({ any: rs })),
  ),
})).rule;

/** Ages around window edges, to the millisecond, and a few minutes ahead (device clock skew). */
const ageArb = fc.oneof(
  fc.integer({ min: -10 * 60_000, max: 40 * DAY_MS }),
  fc.tuple(fc.constantFrom(...WINDOWS), fc.constantFrom(-1, 0, 1)).map(([d, ms]) => d * DAY_MS + ms),
);

const factsArb: fc.Arbitrary<MemberFacts> = fc.record({
  events: fc.array(
    fc.record({
      name: fc.constantFrom(...NAMES),
      occurredAt: ageArb.map((a) => NOW - a),
      revenueUsdMicros: fc.option(fc.integer({ min: -5_000_000, max: 5_000_000 }), { nil: null }),
    }),
    { maxLength: 8 },
  ),
  installs: fc.array(
    fc.record({ installedAt: ageArb.map((a) => NOW - a), campaignId: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: null }) }),
    { maxLength: 2 },
  ),
});

const depth = (r: AudienceRule): number =>
  'not' in r ? 1 + depth(r.not) : 'all' in r ? 1 + Math.max(...r.all.map(depth)) : 'any' in r ? 1 + Math.max(...r.any.map(depth)) : 1;

describe('audience rules, as properties', () => {
  it('not(not(r)) ≡ r, all([r]) ≡ r, any([r]) ≡ r, at any time', () => {
    fc.assert(
      fc.property(ruleArb, factsArb, (r, facts) => {
        const base = evaluateRule(r, facts, NOW);
        expect(evaluateRule({ not: { not: r } }, facts, NOW)).toEqual(base);
        expect(evaluateRule({ all: [r] }, facts, NOW)).toEqual(base);
        expect(evaluateRule({ any: [r] }, facts, NOW)).toEqual(base);
        const negated = evaluateRule({ not: r }, facts, NOW);
        expect(negated).toEqual({ member: !base.member, nextChangeAt: base.nextChangeAt });
      }),
      { numRuns: 400 },
    );
  });

  it('the answer holds until nextChangeAt: the same at nextChangeAt − 1 ms, never changing earlier', () => {
    fc.assert(
      fc.property(ruleArb, factsArb, fc.integer({ min: 1, max: 45 * DAY_MS }), (r, facts, later) => {
        const now = evaluateRule(r, facts, NOW);
        if (now.nextChangeAt !== null) {
          expect(now.nextChangeAt).toBeGreaterThan(NOW);
          expect(evaluateRule(r, facts, now.nextChangeAt - 1).member).toBe(now.member);
        }
        // Any real change at a later instant is announced no later than it happens: no change goes unscheduled.
        const then = evaluateRule(r, facts, NOW + later);
        if (then.member !== now.member) {
          expect(now.nextChangeAt).not.toBeNull();
          expect(now.nextChangeAt!).toBeLessThanOrEqual(NOW + later);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a single condition changes exactly at nextChangeAt', () => {
    fc.assert(
      fc.property(leafArb, factsArb, (r, facts) => {
        const now = evaluateRule(r, facts, NOW);
        if (now.nextChangeAt !== null) expect(evaluateRule(r, facts, now.nextChangeAt).member).toBe(!now.member);
      }),
      { numRuns: 1000 },
    );
  });

  it('every generated rule within the limits validates to itself', () => {
    fc.assert(
      fc.property(ruleArb.filter((r) => depth(r) <= 5), (r) => {
        expect(checkAudienceRule(JSON.parse(JSON.stringify(r)))).toEqual({ ok: true, rule: r });
      }),
      { numRuns: 300 },
    );
  });
});
