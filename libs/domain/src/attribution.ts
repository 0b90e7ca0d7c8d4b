/**
 * The attribution decision: given one install and the touches that could have earned it, which campaign
 * gets the credit and why. Pure: no clock, no I/O. The worker loads the inputs; replay and the simulator
 * call the same function, so a decision is reproducible from its inputs alone.
 */
import { uuidv7Time } from './ids';

export type MatchType = 'click_id' | 'device_id' | 'fingerprint' | 'view_through';
export type DecisionStatus = 'attributed' | 'organic' | 'rejected' | 'reinstall';

/** Rules in priority order: inside the first rule that matches, the latest touch wins. */
export const RULES: readonly MatchType[] = ['click_id', 'device_id', 'fingerprint', 'view_through'];

export interface Touch {
  id: string;
  kind: 'click' | 'impression';
  campaignId: string;
  ts: Date;
  gaid?: string;
  idfa?: string;
  ip?: string;
  uaKey?: string;
  /** The touch came from an address on the app's IP blocklist. */
  blocked?: boolean;
  /** Clicks from this touch's IP or device inside the fingerprint window (click-flooding signal). */
  floodCount?: number;
  /** Distinct advertising ids that clicked from this touch's IP inside the click window (click-spam signal). */
  sourceDevices?: number;
  /** An earlier install of the app already won with this click (a fingerprint click credits one install). */
  consumed?: boolean;
  /** Where the ad ran (`site_id` of the click): with the campaign, the touch's source. */
  siteId?: string;
  /** This touch's source (campaign × site) inside the click window, from the source rollups (per-source signals). */
  source?: SourceFacts;
}

/**
 * What the rollups say about one source (campaign × site_id) inside the click window before the install: its clicks,
 * the installs its clicks matched (any click candidate of a decided install, won or lost, so a rule flagging the
 * source does not feed its own signal), and those installs' click-to-install times in CTIT_BUCKET_SECONDS buckets.
 */
export interface SourceFacts {
  clicks?: number;
  installs?: number;
  /** Matched installs per CTIT bucket: [0] under 10 s, [1] 10 s–1 min, … [7] 3 days and over. */
  ctit?: readonly number[];
}

export interface CampaignWindows {
  clickLookbackHours: number;
  viewLookbackHours: number;
  fingerprintLookbackHours: number;
}

export interface InstallFacts {
  installedAt: Date;
  gaid?: string;
  idfa?: string;
  /** The Lookback click id named in the referrer. */
  referrerClickId?: string;
  ip?: string;
  uaKey?: string;
  /** `consent.attribution`; only an explicit `false` forbids fingerprinting. */
  consentAttribution?: boolean | null;
  /** Other installs of the app from the same IP inside the fingerprint window (shared-IP signal: carrier NAT). */
  ipInstalls?: number;
}

/** Each fraud rule can be enforced, tried in shadow (recorded as "would", decision unchanged), or turned off. */
export type FraudMode = 'enforce' | 'shadow' | 'off';
export interface FraudModes {
  clickInjection: FraudMode;
  clickFlooding: FraudMode;
  ipBlocklist: FraudMode;
  /** A device-id or fingerprint click sent from an address that clicked for too many devices cannot win. */
  clickSpam: FraudMode;
  /** Behind an address many installs share, a fingerprint counts only inside SHARED_IP_FINGERPRINT_HOURS. */
  sharedIp: FraudMode;
  /** A fingerprint click that already won an install cannot win another. */
  touchConsumed: FraudMode;
  /** A device-id or fingerprint click of a source whose clicks almost never become installs cannot win. */
  sourceConversion: FraudMode;
  /** A device-id or fingerprint click of a source whose CTITs are not people's (all in seconds, or flat) cannot win. */
  sourceCtit: FraudMode;
}
export const DEFAULT_FRAUD_MODES: FraudModes = {
  clickInjection: 'enforce',
  clickFlooding: 'enforce',
  ipBlocklist: 'enforce',
  clickSpam: 'enforce',
  sharedIp: 'enforce',
  touchConsumed: 'enforce',
  sourceConversion: 'enforce',
  sourceCtit: 'enforce',
};

/**
 * Click spam: distinct advertising ids clicking from one address inside the click window above which the address
 * is a server sending clicks, not people. A carrier NAT or campus address shows tens to a few hundred devices for
 * one app's ads; harvested-id senders thousands.
 */
export const CLICK_SPAM_DEVICES = 500;
/** Shared IP: this many other installs of the app from one address inside the fingerprint window. */
export const SHARED_IP_INSTALLS = 10;
/** Behind a shared address a fingerprint match needs the click this recent. */
export const SHARED_IP_FINGERPRINT_HOURS = 1;

/**
 * Per-source conversion: a source is judged only with this many clicks inside the window (a small source is never
 * judged), and flagged when fewer than SOURCE_MIN_CONVERSION of its clicks matched an install. Honest click-to-install
 * rates run from about 1% to 10%; a server sending clicks for harvested ids converts only the few harvested people
 * who happen to install (0.01%–0.1%). At 1,000 clicks an honest 1% source expects 10 installs and shows fewer than 2
 * with a probability of 0.05%.
 */
export const SOURCE_MIN_CLICKS = 1000;
export const SOURCE_MIN_CONVERSION = 0.002;
/** Per-source CTIT: a source is judged only with this many matched installs inside the window. */
export const SOURCE_CTIT_MIN_INSTALLS = 30;
/** Upper bounds (exclusive) of the CTIT buckets, in seconds: 10 s, 1 min, 10 min, 1 h, 6 h, 1 day, 3 days, then beyond. */
export const CTIT_BUCKET_SECONDS: readonly number[] = [10, 60, 600, 3600, 21_600, 86_400, 259_200];
/**
 * Injection: this share or more of a source's matched installs came under a minute after the click. A person needs
 * longer than that to open the store, download and open an app (honest sources: a few percent); a click fired by
 * an app on the device when another install begins lands seconds before it.
 */
export const SOURCE_FAST_SHARE = 0.3;
/**
 * Flat: under this share of a source's matched installs came within an hour of the click. People install mostly in
 * the first hour (honest sources: about half or more); clicks sent for harvested ids are unrelated to the install,
 * so their CTITs spread evenly over the window (an even spread over 24 h puts 4% in the first hour, over 7 days 0.6%).
 */
export const SOURCE_FIRST_HOUR_SHARE = 0.1;

/** The signal and its value behind a per-source finding, for the explanation. */
export interface SourceSignal {
  name: 'source_conversion_rate' | 'source_ctit_under_1m' | 'source_ctit_under_1h';
  /** The measured share (conversion rate, or share of matched installs in the CTIT range), rounded to 4 places. */
  value: number;
  threshold: number;
  campaignId: string;
  siteId: string | null;
  clicks?: number;
  installs: number;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The conversion-rate finding on a touch's source, if the source is big enough to judge and converts too rarely. */
export function sourceConversionSignal(t: Touch): SourceSignal | undefined {
  const clicks = t.source?.clicks ?? 0;
  const installs = t.source?.installs ?? 0;
  if (clicks < SOURCE_MIN_CLICKS || installs >= clicks * SOURCE_MIN_CONVERSION) return undefined;
  return { name: 'source_conversion_rate', value: round4(installs / clicks), threshold: SOURCE_MIN_CONVERSION, campaignId: t.campaignId, siteId: t.siteId ?? null, clicks, installs };
}

/** The CTIT-distribution finding on a touch's source: its matched installs pile up under a minute, or spread flat. */
export function sourceCtitSignal(t: Touch): SourceSignal | undefined {
  const ctit = t.source?.ctit;
  if (!ctit) return undefined;
  const installs = ctit.reduce((a, b) => a + b, 0);
  if (installs < SOURCE_CTIT_MIN_INSTALLS) return undefined;
  const base = { campaignId: t.campaignId, siteId: t.siteId ?? null, installs };
  const underMinute = ((ctit[0] ?? 0) + (ctit[1] ?? 0)) / installs;
  if (underMinute >= SOURCE_FAST_SHARE) return { name: 'source_ctit_under_1m', value: round4(underMinute), threshold: SOURCE_FAST_SHARE, ...base };
  const underHour = ctit.slice(0, 4).reduce((a, b) => a + b, 0) / installs;
  if (underHour < SOURCE_FIRST_HOUR_SHARE) return { name: 'source_ctit_under_1h', value: round4(underHour), threshold: SOURCE_FIRST_HOUR_SHARE, ...base };
  return undefined;
}

/** The CTIT bucket (index into a SourceFacts.ctit histogram) of a click-to-install time in seconds. */
export function ctitBucket(seconds: number): number {
  let b = 0;
  while (b < CTIT_BUCKET_SECONDS.length && seconds >= CTIT_BUCKET_SECONDS[b]) b++;
  return b;
}

function signalWords(s: SourceSignal): string {
  const site = s.siteId === null ? 'no site_id' : `site_id ${s.siteId}`;
  const pct = (x: number) => `${Number((x * 100).toFixed(2))}%`;
  switch (s.name) {
    case 'source_conversion_rate':
      return `source_conversion_rate of campaign ${s.campaignId} (${site}) is ${pct(s.value)} (${s.installs} installs from ${s.clicks} clicks), under ${pct(s.threshold)}`;
    case 'source_ctit_under_1m':
      return `source_ctit_under_1m of campaign ${s.campaignId} (${site}) is ${pct(s.value)} of ${s.installs} installs, at or over ${pct(s.threshold)}`;
    case 'source_ctit_under_1h':
      return `source_ctit_under_1h of campaign ${s.campaignId} (${site}) is ${pct(s.value)} of ${s.installs} installs, under ${pct(s.threshold)}`;
  }
}

export interface AppRules {
  minCtitSeconds: number;
  reattributionDays: number;
  fraudModes?: FraudModes;
  /** More clicks than this from one IP or device: such a touch cannot win on fingerprint. */
  clickFloodThreshold?: number;
}

export interface PriorInstall {
  id: string;
  installedAt: Date;
}

export interface DecisionInput {
  install: InstallFacts;
  touches: readonly Touch[];
  campaigns: ReadonlyMap<string, CampaignWindows>;
  app: AppRules;
  /** The latest earlier install of the same app by the same device, if any. */
  priorInstall?: PriorInstall;
}

export type LossReason =
  | 'after_install'
  | 'outside_window'
  | 'lower_priority_rule'
  | 'older_touch'
  | 'no_consent'
  | 'fingerprint_off'
  | 'unknown_campaign'
  | 'blocked'
  | 'click_flooding'
  | 'click_spam'
  | 'shared_ip'
  | 'touch_consumed'
  | 'source_conversion'
  | 'source_ctit';

/** What a fraud rule in shadow mode would have done to this decision. */
export interface ShadowNote {
  rule: 'click_injection' | 'click_flooding' | 'ip_blocklist' | 'click_spam' | 'shared_ip' | 'touch_consumed' | 'source_conversion' | 'source_ctit';
  effect: 'would_reject' | 'would_exclude_touch';
  touchId: string;
  /** Per-source rules: the signal and its value. */
  signal?: SourceSignal;
}

export interface CandidateOutcome {
  touchId: string;
  kind: Touch['kind'];
  campaignId: string;
  ts: string;
  rule: MatchType;
  won: boolean;
  reason?: LossReason;
  /** The click's site_id, when it had one (with campaignId, the source the per-source rollups count it under). */
  siteId?: string;
  /** Lost to a per-source rule: the signal and its value. */
  signal?: SourceSignal;
}

export interface Explanation {
  summary: string;
  rule: MatchType | null;
  winner: {
    touchId: string;
    kind: Touch['kind'];
    campaignId: string;
    ts: string;
    lookbackHours: number;
  } | null;
  ctitSeconds: number | null;
  rejection?: { reason: 'click_injection'; minCtitSeconds: number };
  reinstallOf?: { installId: string; installedAt: string; reattributionDays: number };
  shadow?: ShadowNote[];
  candidates: CandidateOutcome[];
}

export interface Decision {
  status: DecisionStatus;
  matchType: MatchType | null;
  campaignId: string | null;
  touchId: string | null;
  touchKind: Touch['kind'] | null;
  ctitSeconds: number | null;
  explanation: Explanation;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Finding = 'click_spam' | 'shared_ip' | 'touch_consumed' | 'source_conversion' | 'source_ctit';
const MODE_KEY = {
  click_spam: 'clickSpam',
  shared_ip: 'sharedIp',
  touch_consumed: 'touchConsumed',
  source_conversion: 'sourceConversion',
  source_ctit: 'sourceCtit',
} as const;

/** Which rules a touch could satisfy for this install, ignoring windows (those are checked after). */
function rulesOf(touch: Touch, install: InstallFacts): MatchType[] {
  const out: MatchType[] = [];
  const sameDevice =
    (install.gaid !== undefined && touch.gaid === install.gaid) ||
    (install.idfa !== undefined && touch.idfa === install.idfa);
  if (touch.kind === 'click') {
    if (install.referrerClickId !== undefined && touch.id === install.referrerClickId) out.push('click_id');
    if (sameDevice) out.push('device_id');
    if (
      install.ip !== undefined &&
      install.uaKey !== undefined &&
      touch.ip === install.ip &&
      touch.uaKey === install.uaKey
    ) {
      out.push('fingerprint');
    }
  } else if (sameDevice) {
    out.push('view_through');
  }
  return out;
}

function windowHours(rule: MatchType, w: CampaignWindows): number {
  switch (rule) {
    case 'click_id':
    case 'device_id':
      return w.clickLookbackHours;
    case 'fingerprint':
      return w.fingerprintLookbackHours;
    case 'view_through':
      return w.viewLookbackHours;
  }
}

/** Later touch first; equal times fall back to the id so the same inputs always give the same winner. */
function newerFirst(a: Touch, b: Touch): number {
  const dt = b.ts.getTime() - a.ts.getTime();
  if (dt !== 0) return dt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const RULE_WORDS: Record<MatchType, string> = {
  click_id: 'the referrer named its click id',
  device_id: 'the same advertising id clicked',
  fingerprint: 'the same IP address and device clicked',
  view_through: 'the same advertising id saw an impression',
};

export function decideAttribution(input: DecisionInput): Decision {
  const { install, app } = input;
  const installedMs = install.installedAt.getTime();
  const modes = app.fraudModes ?? DEFAULT_FRAUD_MODES;
  const floodThreshold = app.clickFloodThreshold ?? Number.POSITIVE_INFINITY;
  const flooded = (t: Touch) => (t.floodCount ?? 0) > floodThreshold;
  const modeOf = (rule: 'clickSpam' | 'sharedIp' | 'touchConsumed' | 'sourceConversion' | 'sourceCtit'): FraudMode => modes[rule] ?? DEFAULT_FRAUD_MODES[rule];
  const spam = (t: Touch) => (t.sourceDevices ?? 0) > CLICK_SPAM_DEVICES;
  const sharedIp = (install.ipInstalls ?? 0) >= SHARED_IP_INSTALLS;
  const tooOldForSharedIp = (t: Touch) => installedMs - t.ts.getTime() > SHARED_IP_FINGERPRINT_HOURS * HOUR_MS;
  /** The poaching rules' findings on a touch under a rule, whatever their mode (a source signal only when its rule is not off). */
  const findings = (t: Touch, rule: MatchType): Finding[] => {
    const out: Finding[] = [];
    const byDeviceOrFingerprint = rule === 'device_id' || rule === 'fingerprint';
    if (byDeviceOrFingerprint && spam(t)) out.push('click_spam');
    if (rule === 'fingerprint' && sharedIp && tooOldForSharedIp(t)) out.push('shared_ip');
    if (rule === 'fingerprint' && t.consumed) out.push('touch_consumed');
    // A click the click-injection rule will reject the install for is left to it: the stronger verdict stands.
    const bySource = byDeviceOrFingerprint && !(modes.clickInjection === 'enforce' && t.kind === 'click' && installedMs - t.ts.getTime() < app.minCtitSeconds * 1000);
    if (bySource && modeOf('sourceConversion') !== 'off' && sourceConversionSignal(t)) out.push('source_conversion');
    if (bySource && modeOf('sourceCtit') !== 'off' && sourceCtitSignal(t)) out.push('source_ctit');
    return out;
  };
  const signalOf = (t: Touch, f: Finding | LossReason | undefined): { signal: SourceSignal } | Record<string, never> => {
    const signal = f === 'source_conversion' ? sourceConversionSignal(t) : f === 'source_ctit' ? sourceCtitSignal(t) : undefined;
    return signal ? { signal } : {};
  };

  if (input.priorInstall) {
    const ageMs = installedMs - input.priorInstall.installedAt.getTime();
    if (ageMs >= 0 && ageMs <= app.reattributionDays * DAY_MS) {
      return {
        status: 'reinstall',
        matchType: null,
        campaignId: null,
        touchId: null,
        touchKind: null,
        ctitSeconds: null,
        explanation: {
          summary: `Reinstall: this device installed the app on ${input.priorInstall.installedAt.toISOString()}, inside the ${app.reattributionDays}-day reattribution window, so it is not attributed again.`,
          rule: null,
          winner: null,
          ctitSeconds: null,
          reinstallOf: {
            installId: input.priorInstall.id,
            installedAt: input.priorInstall.installedAt.toISOString(),
            reattributionDays: app.reattributionDays,
          },
          candidates: [],
        },
      };
    }
  }

  // Each touch is judged under every rule it could satisfy; it lands in the best rule it is eligible for.
  const eligible = new Map<MatchType, Touch[]>(RULES.map((r) => [r, []]));
  const losses: CandidateOutcome[] = [];
  const fingerprintAllowed = install.consentAttribution !== false;

  for (const touch of input.touches) {
    const rules = rulesOf(touch, install);
    if (rules.length === 0) continue;
    const windows = input.campaigns.get(touch.campaignId);
    let placed = false;
    let firstReason: { rule: MatchType; reason: LossReason } | undefined;
    for (const rule of rules) {
      let reason: LossReason | undefined;
      const ageMs = installedMs - touch.ts.getTime();
      if (!windows) reason = 'unknown_campaign';
      // "Before installedAt": a touch at the install's own instant did not cause it.
      else if (ageMs <= 0) reason = 'after_install';
      else if (touch.blocked && modes.ipBlocklist === 'enforce') reason = 'blocked';
      else if (rule === 'fingerprint' && !fingerprintAllowed) reason = 'no_consent';
      else if (rule === 'fingerprint' && windows.fingerprintLookbackHours === 0) reason = 'fingerprint_off';
      else if (rule === 'fingerprint' && flooded(touch) && modes.clickFlooding === 'enforce') reason = 'click_flooding';
      else if (ageMs > windowHours(rule, windows) * HOUR_MS) reason = 'outside_window';
      else reason = findings(touch, rule).find((f) => modeOf(MODE_KEY[f]) === 'enforce');
      if (reason === undefined) {
        eligible.get(rule)!.push(touch);
        placed = true;
        break;
      }
      firstReason ??= { rule, reason };
    }
    if (!placed && firstReason) losses.push({ ...outcome(touch, firstReason.rule, false, firstReason.reason), ...signalOf(touch, firstReason.reason) });
  }

  let winner: Touch | undefined;
  let winningRule: MatchType | undefined;
  const candidates: CandidateOutcome[] = [];
  for (const rule of RULES) {
    const touches = eligible.get(rule)!.sort(newerFirst);
    for (const touch of touches) {
      if (!winner) {
        winner = touch;
        winningRule = rule;
        candidates.push(outcome(touch, rule, true));
      } else {
        candidates.push(outcome(touch, rule, false, rule === winningRule ? 'older_touch' : 'lower_priority_rule'));
      }
    }
  }
  // Losers in a fixed order (newest first), so the explanation does not depend on how touches were loaded.
  candidates.push(...losses.sort((a, b) => (a.ts === b.ts ? (a.touchId < b.touchId ? 1 : -1) : a.ts < b.ts ? 1 : -1)));

  const signalled = candidates.flatMap((c) => (c.signal ? [signalWords(c.signal)] : []));
  const signalPart = signalled.length > 0 ? ` Per-source signals: ${[...new Set(signalled)].join('; ')}.` : '';

  if (!winner || !winningRule) {
    return {
      status: 'organic',
      matchType: null,
      campaignId: null,
      touchId: null,
      touchKind: null,
      ctitSeconds: null,
      explanation: {
        summary:
          candidates.length === 0
            ? 'Organic: no click or impression matched this install.'
            : `Organic: ${candidates.length} touch(es) matched the device but none counted (${[...new Set(candidates.map((c) => c.reason))].join(', ')}).${signalPart}`,
        rule: null,
        winner: null,
        ctitSeconds: null,
        candidates,
      },
    };
  }

  const windows = input.campaigns.get(winner.campaignId)!;
  const lookbackHours = windowHours(winningRule, windows);
  const ctitSeconds = Math.floor((installedMs - winner.ts.getTime()) / 1000);
  const winnerView = {
    touchId: winner.id,
    kind: winner.kind,
    campaignId: winner.campaignId,
    ts: winner.ts.toISOString(),
    lookbackHours,
  };
  const lost = candidates.length - 1;
  const shadow: ShadowNote[] = [];
  if (winner.blocked && modes.ipBlocklist === 'shadow') {
    shadow.push({ rule: 'ip_blocklist', effect: 'would_exclude_touch', touchId: winner.id });
  }
  if (winningRule === 'fingerprint' && flooded(winner) && modes.clickFlooding === 'shadow') {
    shadow.push({ rule: 'click_flooding', effect: 'would_exclude_touch', touchId: winner.id });
  }
  for (const f of findings(winner, winningRule)) {
    if (modeOf(MODE_KEY[f]) === 'shadow') shadow.push({ rule: f, effect: 'would_exclude_touch', touchId: winner.id, ...signalOf(winner, f) });
  }
  const injected = winner.kind === 'click' && ctitSeconds < app.minCtitSeconds;
  if (injected && modes.clickInjection === 'shadow') {
    shadow.push({ rule: 'click_injection', effect: 'would_reject', touchId: winner.id });
  }
  const shadowPart = shadow.length > 0 ? { shadow } : {};
  const base = `${winner.kind === 'click' ? 'Click' : 'Impression'} ${winner.id} of campaign ${winner.campaignId} at ${winnerView.ts}, ${ctitSeconds} s before the install: ${RULE_WORDS[winningRule]} within the ${lookbackHours} h lookback`;

  if (injected && modes.clickInjection === 'enforce') {
    return {
      status: 'rejected',
      matchType: winningRule,
      campaignId: winner.campaignId,
      touchId: winner.id,
      touchKind: winner.kind,
      ctitSeconds,
      explanation: {
        summary: `Rejected as click injection: ${base}, but a click-to-install time of ${ctitSeconds} s is under the app's minimum of ${app.minCtitSeconds} s.${signalPart}`,
        rule: winningRule,
        winner: winnerView,
        ctitSeconds,
        rejection: { reason: 'click_injection', minCtitSeconds: app.minCtitSeconds },
        ...shadowPart,
        candidates,
      },
    };
  }

  return {
    status: 'attributed',
    matchType: winningRule,
    campaignId: winner.campaignId,
    touchId: winner.id,
    touchKind: winner.kind,
    ctitSeconds,
    explanation: {
      summary: `Attributed by ${winningRule}: ${base}.${lost > 0 ? ` ${lost} other touch(es) lost.` : ''}${signalPart}${shadow.map((n) => ` Shadow mode: ${n.rule} ${n.effect.replace(/_/g, ' ')}${n.signal ? ` (${signalWords(n.signal)})` : ''}.`).join('')}`,
      rule: winningRule,
      winner: winnerView,
      ctitSeconds,
      ...shadowPart,
      candidates,
    },
  };
}

function outcome(touch: Touch, rule: MatchType, won: boolean, reason?: LossReason): CandidateOutcome {
  return {
    touchId: touch.id,
    kind: touch.kind,
    campaignId: touch.campaignId,
    ts: touch.ts.toISOString(),
    rule,
    won,
    ...(reason ? { reason } : {}),
    ...(touch.siteId !== undefined ? { siteId: touch.siteId } : {}),
  };
}

/**
 * Decides installs in the order given (installed order), each seeing which fingerprint clicks the earlier ones of
 * the same batch won: one click credits one install, also inside one batch. Pure.
 */
export function decideInOrder(inputs: readonly DecisionInput[]): Decision[] {
  const won = new Set<string>();
  return inputs.map((input) => {
    const seen = won.size === 0 ? input : { ...input, touches: input.touches.map((t) => (won.has(t.id) ? { ...t, consumed: true } : t)) };
    const d = decideAttribution(seen);
    if (d.status === 'attributed' && d.matchType === 'fingerprint' && d.touchId) won.add(d.touchId);
    return d;
  });
}

/** How long a fresh install waits for the click its referrer names (a click spooled through an outage). */
export const NAMED_CLICK_WAIT_MS = 2 * 60_000;

/**
 * The referrer names a Lookback click made in the last day that is not stored yet, and the install arrived
 * moments ago: the click is most likely still in an ingestion spool (PostgreSQL was away when it was answered).
 * Deciding now would call a click-id install organic; waiting a little credits it. Pure: `now` is a parameter.
 */
export function awaitsNamedClick(input: DecisionInput, receivedAt: Date, now: number): boolean {
  const id = input.install.referrerClickId;
  if (id === undefined || input.touches.some((t) => t.id === id)) return false;
  const clickedAt = uuidv7Time(id)?.getTime();
  if (clickedAt === undefined || clickedAt > now || now - clickedAt > DAY_MS) return false;
  return now - receivedAt.getTime() < NAMED_CLICK_WAIT_MS;
}
