import fc from 'fast-check';
import {
  CLICK_SPAM_DEVICES,
  DEFAULT_FRAUD_MODES,
  SHARED_IP_FINGERPRINT_HOURS,
  SHARED_IP_INSTALLS,
  decideAttribution,
  decideInOrder,
  awaitsNamedClick,
  NAMED_CLICK_WAIT_MS,
  type DecisionInput,
  type FraudMode,
  type FraudModes,
  type InstallFacts,
  type Touch,
} from './attribution';
import { GAID, HOUR, INSTALLED_AT, IP, UA_KEY, WINDOWS, before, fingerprintClick } from './poaching.fixtures';

/** Organic poaching and carrier NAT: click spam, shared IPs and consumed fingerprint clicks, each enforce|shadow|off. */

const MIN = 60_000;

const deviceClick = (id: string, ageMs: number, extra: Partial<Touch> = {}): Touch => ({ id, kind: 'click', campaignId: 'camp-a', ts: before(ageMs), gaid: GAID, ...extra });

function input(touches: Touch[], modes: Partial<FraudModes> = {}, install: Partial<InstallFacts> = {}): DecisionInput {
  return {
    install: { installedAt: INSTALLED_AT, gaid: GAID, ip: IP, uaKey: UA_KEY, ...install },
    touches,
    campaigns: new Map([['camp-a', WINDOWS]]),
    app: { minCtitSeconds: 10, reattributionDays: 90, fraudModes: { ...DEFAULT_FRAUD_MODES, ...modes } },
  };
}
const decide = (...args: Parameters<typeof input>) => decideAttribution(input(...args));

describe('click spam (harvested advertising ids)', () => {
  it('a device-id click from an address that clicked for too many devices cannot win: the install stays organic', () => {
    const d = decide([deviceClick('spam', 5 * HOUR, { sourceDevices: CLICK_SPAM_DEVICES + 1 })]);
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates).toEqual([expect.objectContaining({ touchId: 'spam', won: false, reason: 'click_spam' })]);
    expect(decide([deviceClick('busy', 5 * HOUR, { sourceDevices: CLICK_SPAM_DEVICES })])).toMatchObject({ status: 'attributed', touchId: 'busy' });
  });

  it('an honest click of the same device still wins over the spam one', () => {
    const d = decide([deviceClick('honest', 20 * HOUR), deviceClick('spam', 1 * HOUR, { sourceDevices: 5000 })]);
    expect(d).toMatchObject({ status: 'attributed', touchId: 'honest', matchType: 'device_id' });
  });

  it('a click named by the referrer (click_id) is not judged by it', () => {
    const d = decideAttribution({ ...input([deviceClick('named', HOUR, { sourceDevices: 5000 })]), install: { installedAt: INSTALLED_AT, referrerClickId: 'named' } });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'click_id' });
  });

  it('in shadow it wins and says what enforcing would do; off says nothing', () => {
    const spam = deviceClick('spam', 5 * HOUR, { sourceDevices: 5000 });
    expect(decide([spam], { clickSpam: 'shadow' }).explanation.shadow).toEqual([{ rule: 'click_spam', effect: 'would_exclude_touch', touchId: 'spam' }]);
    const off = decide([spam], { clickSpam: 'off' });
    expect(off).toMatchObject({ status: 'attributed', touchId: 'spam' });
    expect(off.explanation.shadow).toBeUndefined();
  });
});

describe('shared IP (carrier NAT, campus Wi-Fi)', () => {
  const shared = { ipInstalls: SHARED_IP_INSTALLS };
  it('behind a shared address a fingerprint counts only inside the short window', () => {
    const old = decide([fingerprintClick('old', SHARED_IP_FINGERPRINT_HOURS * HOUR + MIN)], {}, { gaid: undefined, ...shared });
    expect(old.status).toBe('organic');
    expect(old.explanation.candidates[0]).toMatchObject({ touchId: 'old', reason: 'shared_ip' });
    const recent = decide([fingerprintClick('recent', 30 * MIN)], {}, { gaid: undefined, ...shared });
    expect(recent).toMatchObject({ status: 'attributed', matchType: 'fingerprint' });
  });

  it('an address shared by fewer installs keeps the campaign\'s fingerprint window', () => {
    const d = decide([fingerprintClick('c', 20 * HOUR)], {}, { gaid: undefined, ipInstalls: SHARED_IP_INSTALLS - 1 });
    expect(d).toMatchObject({ status: 'attributed', matchType: 'fingerprint' });
  });

  it('device-id matches are not affected', () => {
    expect(decide([deviceClick('d', 20 * HOUR)], {}, shared)).toMatchObject({ status: 'attributed', matchType: 'device_id' });
  });
});

describe('one fingerprint click credits one install', () => {
  it('a click that already won an install cannot win another', () => {
    const d = decide([fingerprintClick('used', 2 * HOUR, { consumed: true })], {}, { gaid: undefined });
    expect(d.status).toBe('organic');
    expect(d.explanation.candidates[0]).toMatchObject({ touchId: 'used', reason: 'touch_consumed' });
  });

  it('inside one batch too: the earlier install takes it, the later one does not', () => {
    const click = fingerprintClick('shared-click', 2 * HOUR);
    const a = input([click], {}, { gaid: undefined });
    const b = { ...input([click], {}, { gaid: undefined }), install: { ...a.install, installedAt: new Date(INSTALLED_AT.getTime() + MIN) } };
    const [da, db] = decideInOrder([a, b]);
    expect(da).toMatchObject({ status: 'attributed', touchId: 'shared-click' });
    expect(db.status).toBe('organic');
    expect(db.explanation.candidates[0]).toMatchObject({ reason: 'touch_consumed' });
    // Off: both take it, as before the rule.
    const off = decideInOrder([{ ...a, app: { ...a.app, fraudModes: { ...DEFAULT_FRAUD_MODES, touchConsumed: 'off' } } }, { ...b, app: { ...b.app, fraudModes: { ...DEFAULT_FRAUD_MODES, touchConsumed: 'off' } } }]);
    expect(off.map((d) => d.status)).toEqual(['attributed', 'attributed']);
  });
});

describe('properties of the new rules', () => {
  const touchArb = fc.record({
    id: fc.uuid(),
    device: fc.boolean(),
    ageMin: fc.integer({ min: 1, max: 48 * 60 }),
    sourceDevices: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 5000 })),
    consumed: fc.boolean(),
  }).map((t) => (t.device ? deviceClick : fingerprintClick)(t.id, t.ageMin * MIN, { sourceDevices: t.sourceDevices, consumed: t.consumed }));
  const caseArb = fc.record({
    touches: fc.uniqueArray(touchArb, { selector: (t) => t.id, maxLength: 8 }),
    ipInstalls: fc.integer({ min: 0, max: 30 }),
    withGaid: fc.boolean(),
  });
  const strip = (t: Touch): Touch => {
    const { sourceDevices: _s, consumed: _c, ...rest } = t;
    return rest;
  };
  const RULES = ['clickSpam', 'sharedIp', 'touchConsumed'] as const;

  it('a rule in shadow never changes a decision (status, winner, match type) from the rule off', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...RULES), ({ touches, ipInstalls, withGaid }, rule) => {
        const install = { ipInstalls, ...(withGaid ? {} : { gaid: undefined }) };
        const shadow = decide(touches, { [rule]: 'shadow' as FraudMode }, install);
        const off = decide(touches, { [rule]: 'off' as FraudMode }, install);
        expect([shadow.status, shadow.touchId, shadow.matchType, shadow.campaignId]).toEqual([off.status, off.touchId, off.matchType, off.campaignId]);
      }),
    );
  });

  it('with every new rule off, decisions equal those made without the new signals at all', () => {
    fc.assert(
      fc.property(caseArb, ({ touches, ipInstalls, withGaid }) => {
        const off = { clickSpam: 'off', sharedIp: 'off', touchConsumed: 'off' } as const;
        const install = withGaid ? {} : { gaid: undefined };
        const a = decide(touches, off, { ...install, ipInstalls });
        const b = decide(touches.map(strip), off, install);
        expect(a).toEqual(b);
      }),
    );
  });
});

describe('awaitsNamedClick', () => {
  const NOW = INSTALLED_AT.getTime();
  const named = (id: string, touches: Touch[] = []) => ({ ...input(touches), install: { installedAt: INSTALLED_AT, referrerClickId: id } });
  const recentId = '019ad3f2-8a00-7000-8000-000000000001'; // a UUIDv7 of 2025-11-30
  it('waits for a recent named click that is not loaded, only while the install is fresh', () => {
    const clickNow = `${(NOW - 60_000).toString(16).padStart(12, '0').replace(/(.{8})(.{4})/, '$1-$2')}-7000-8000-000000000001`;
    expect(awaitsNamedClick(named(clickNow), new Date(NOW - 10_000), NOW)).toBe(true);
    expect(awaitsNamedClick(named(clickNow), new Date(NOW - NAMED_CLICK_WAIT_MS - 1), NOW)).toBe(false);
    expect(awaitsNamedClick(named(clickNow, [deviceClick(clickNow, 60_000)]), new Date(NOW - 10_000), NOW)).toBe(false);
    expect(awaitsNamedClick(named(recentId), new Date(NOW - 10_000), NOW + 400 * 86_400_000)).toBe(false); // over a day old
    expect(awaitsNamedClick(input([]), new Date(NOW), NOW)).toBe(false); // names no click
  });
});
