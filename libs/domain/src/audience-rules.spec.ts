import { Webhook } from 'standardwebhooks';
import fc from 'fast-check';
import {
  DAY_MS,
  changeSets,
  evaluateMembership,
  webhookBody,
  checkAudienceRule,
  evaluateRule,
  memberKey,
  retargetingAllowed,
  ruleEventNames,
  ruleLookbackDays,
  type AudienceRule,
  type MemberFacts,
} from './audience-rules';
import { newWebhookSecret, webhookSignatureHeaders } from './signature';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const CAMPAIGN = '0192f3a0-0000-7000-8000-000000000001';
const daysAgo = (d: number) => NOW - d * DAY_MS;
const purchase = (ageDays: number, usd = 0) => ({ name: 'purchase', occurredAt: daysAgo(ageDays), revenueUsdMicros: usd * 1_000_000 });

describe('checkAudienceRule', () => {
  it('accepts the contract example', () => {
    const rule = {
      all: [{ event: 'purchase', withinDays: 30, count: { gte: 1 } }, { not: { event: 'purchase', withinDays: 7 } }],
    };
    expect(checkAudienceRule(rule)).toEqual({ ok: true, rule });
  });

  it.each([
    [{ all: [{ event: 'purchase' }, { not: { event: 'purchase', withinDays: 0 } }] }, 'rule.all[1].not.withinDays'],
    [{ all: [{ event: 'purchase' }, { not: { event: 'purchase', withinDays: 1.5 } }] }, 'rule.all[1].not.withinDays'],
    [{ event: 'has space' }, 'rule.event'],
    [{ event: 'purchase', count: { gte: -1 } }, 'rule.count.gte'],
    [{ event: 'purchase', count: { gte: 3, lte: 2 } }, 'rule.count.gte'],
    [{ event: 'purchase', count: {} }, 'rule.count'],
    [{ event: 'purchase', count: { gt: 1 } }, 'rule.count.gt'],
    [{ event: 'purchase', revenueUsd: { gte: 'ten' } }, 'rule.revenueUsd.gte'],
    [{ event: 'purchase', since: 3 }, 'rule.since'],
    [{ any: [] }, 'rule.any'],
    [{ any: [{ campaignId: 'nope' }] }, 'rule.any[0].campaignId'],
    [{ installedWithinDays: 99999 }, 'rule.installedWithinDays'],
    [{ event: 'purchase', not: { event: 'x' } }, 'rule'],
    [{}, 'rule'],
    [[], 'rule'],
    [null, 'rule'],
    [{ not: 'purchase' }, 'rule.not'],
  ])('refuses %j naming %s', (rule, field) => {
    const checked = checkAudienceRule(rule);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.field).toBe(field);
  });

  it('refuses more than 5 levels, naming the level that is too deep', () => {
    const rule = { not: { not: { not: { not: { not: { event: 'a' } } } } } };
    expect(checkAudienceRule(rule)).toMatchObject({ ok: false, code: 'rule_too_deep', field: 'rule.not.not.not.not.not' });
    expect(checkAudienceRule({ not: { not: { not: { not: { event: 'a' } } } } }).ok).toBe(true);
  });

  it('refuses more than 50 conditions in total', () => {
    const leaves = (n: number) => Array.from({ length: n }, () => ({ event: 'a' }));
    expect(checkAudienceRule({ all: leaves(50) }).ok).toBe(true);
    expect(checkAudienceRule({ all: [{ any: leaves(30) }, { any: leaves(21) }] })).toMatchObject({
      ok: false,
      code: 'too_many_conditions',
    });
  });

  it('lower-cases campaign ids so they compare with stored ones', () => {
    expect(checkAudienceRule({ campaignId: CAMPAIGN.toUpperCase() })).toEqual({ ok: true, rule: { campaignId: CAMPAIGN } });
  });
});

describe('evaluateRule', () => {
  const facts = (events: MemberFacts['events'], installs: MemberFacts['installs'] = []): MemberFacts => ({ events, installs });

  it('enters on a purchase in the window and wakes when it ages out', () => {
    const rule: AudienceRule = { event: 'purchase', withinDays: 30 };
    expect(evaluateRule(rule, facts([purchase(10)]), NOW)).toEqual({ member: true, nextChangeAt: daysAgo(10) + 30 * DAY_MS });
    expect(evaluateRule(rule, facts([purchase(31)]), NOW)).toEqual({ member: false, nextChangeAt: null });
    expect(evaluateRule(rule, facts([]), NOW)).toEqual({ member: false, nextChangeAt: null });
  });

  it('stays while a later purchase keeps the count: the wake-up is the last one leaving', () => {
    const rule: AudienceRule = { event: 'purchase', withinDays: 30 };
    expect(evaluateRule(rule, facts([purchase(20), purchase(5)]), NOW).nextChangeAt).toBe(daysAgo(5) + 30 * DAY_MS);
  });

  it('counts with bounds, and sums revenue in USD exactly', () => {
    const twice: AudienceRule = { event: 'purchase', withinDays: 30, count: { gte: 2 } };
    expect(evaluateRule(twice, facts([purchase(1), purchase(2)]), NOW).member).toBe(true);
    expect(evaluateRule(twice, facts([purchase(1)]), NOW).member).toBe(false);
    const whale: AudienceRule = { event: 'purchase', revenueUsd: { gte: 0.3 } };
    const cents = (n: number) => ({ name: 'purchase', occurredAt: daysAgo(1), revenueUsdMicros: n * 10_000 });
    expect(evaluateRule(whale, facts([cents(10), cents(20)]), NOW).member).toBe(true); // 0.1 + 0.2 = 0.3, exactly
    const quiet: AudienceRule = { event: 'purchase', revenueUsd: { lte: 5 } };
    expect(evaluateRule(quiet, facts([]), NOW).member).toBe(true); // a revenue bound alone does not ask for an event
  });

  it('a not becomes true with a refund', () => {
    const rule: AudienceRule = { all: [{ event: 'purchase', withinDays: 30 }, { not: { event: 'refund', withinDays: 30 } }] };
    expect(evaluateRule(rule, facts([purchase(2)]), NOW).member).toBe(true);
    expect(evaluateRule(rule, facts([purchase(2), { name: 'refund', occurredAt: daysAgo(1), revenueUsdMicros: null }]), NOW).member).toBe(false);
  });

  it('a lapsed buyer enters when the recent purchase ages out of the not', () => {
    const rule: AudienceRule = { all: [{ event: 'purchase', withinDays: 30 }, { not: { event: 'purchase', withinDays: 7 } }] };
    const e = facts([purchase(3)]);
    const now = evaluateRule(rule, e, NOW);
    expect(now).toEqual({ member: false, nextChangeAt: daysAgo(3) + 7 * DAY_MS });
    expect(evaluateRule(rule, e, now.nextChangeAt!).member).toBe(true);
  });

  it('install conditions: recent install and attributed campaign', () => {
    const installs = [{ installedAt: daysAgo(2), campaignId: CAMPAIGN }];
    expect(evaluateRule({ installedWithinDays: 7 }, facts([], installs), NOW)).toEqual({ member: true, nextChangeAt: daysAgo(2) + 7 * DAY_MS });
    expect(evaluateRule({ installedWithinDays: 1 }, facts([], installs), NOW).member).toBe(false);
    expect(evaluateRule({ campaignId: CAMPAIGN }, facts([], installs), NOW)).toEqual({ member: true, nextChangeAt: null });
    expect(evaluateRule({ campaignId: CAMPAIGN }, facts([], [{ installedAt: NOW, campaignId: null }]), NOW).member).toBe(false);
  });

  it('knows which events and how far back a rule needs', () => {
    const rule: AudienceRule = { any: [{ event: 'a', withinDays: 3 }, { not: { all: [{ event: 'b', withinDays: 40 }, { installedWithinDays: 90 }] } }] };
    expect([...ruleEventNames(rule)].sort()).toEqual(['a', 'b']);
    expect(ruleLookbackDays(rule)).toBe(40);
    expect(ruleLookbackDays({ event: 'a' })).toBe(Infinity);
  });
});

describe('identity and consent', () => {
  it('a customerUserId makes the member, else the install', () => {
    expect(memberKey({ customerUserId: 'user-42', installId: 'i1' })).toBe('u:user-42');
    expect(memberKey({ installId: 'i1' })).toBe('i:i1');
    expect(memberKey({})).toBeNull();
  });

  it('the latest consent decides; silence allows', () => {
    expect(retargetingAllowed([])).toBe(true);
    expect(retargetingAllowed([{ at: 1, retargeting: true }, { at: 2, retargeting: false }])).toBe(false);
    expect(retargetingAllowed([{ at: 1, retargeting: false }, { at: 2, retargeting: true }])).toBe(true);
    expect(retargetingAllowed([{ at: 2, retargeting: true }, { at: 2, retargeting: false }])).toBe(false);
  });
});

describe('webhook signatures', () => {
  it('verify with the standardwebhooks library, with both secrets during a rotation', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ audienceId: 'a', entered: [], exited: [] });
    const ts = Math.floor(Date.now() / 1000);
    const headers = webhookSignatureHeaders([newSecret, oldSecret], 'msg_1', body, ts);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(headers['x-lookback-signature']).toMatch(new RegExp(`^t=${ts},v1=[0-9a-f]{64},v1=[0-9a-f]{64}$`));
  });
});

describe('membership and change sets', () => {
  const person = (consent: { at: number; retargeting: boolean }[]) => ({
    installs: [{ installedAt: 0, campaignId: null }],
    events: [{ name: 'purchase', occurredAt: 10, revenueUsdMicros: null }],
    consent,
    identity: { device: {} },
  });

  it('nobody without retargeting consent is a member, and nothing is scheduled for them', () => {
    const rule = { event: 'purchase', withinDays: 1 };
    expect(evaluateMembership(rule, person([]), 20)).toEqual({ member: true, nextChangeAt: 10 + DAY_MS });
    expect(evaluateMembership(rule, person([{ at: 5, retargeting: false }]), 20)).toEqual({ member: false, nextChangeAt: null });
    expect(evaluateMembership(rule, person([{ at: 5, retargeting: false }, { at: 6, retargeting: true }]), 20).member).toBe(true);
  });

  it('splits changes into calls of at most `max` members, exits before entries, each member once', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(40), fc.integer({ min: 1, max: 7 }), (nIn, nOut, max) => {
        const m = (p: string) => (i: number) => ({ device: {}, customerUserId: `${p}${i}` });
        const entered = Array.from({ length: nIn }, (_, i) => m('in')(i));
        const exited = Array.from({ length: nOut }, (_, i) => m('out')(i));
        const sets = changeSets(entered, exited, max);
        expect(sets.every((s) => s.entered.length + s.exited.length <= max && s.entered.length + s.exited.length > 0)).toBe(true);
        const flat = sets.flatMap((s) => [...s.exited, ...s.entered]);
        expect(flat).toEqual([...exited, ...entered]);
      }),
    );
  });

  it('the webhook body is the contract\'s', () => {
    const body = JSON.parse(webhookBody('a', 'b', { entered: [{ device: { gaid: 'g' } }], exited: [] }, new Date(0)));
    expect(body).toEqual({ audienceId: 'a', appId: 'b', entered: [{ device: { gaid: 'g' } }], exited: [], sentAt: '1970-01-01T00:00:00.000Z' });
  });
});
