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
}
export const DEFAULT_FRAUD_MODES: FraudModes = {
  clickInjection: 'enforce',
  clickFlooding: 'enforce',
  ipBlocklist: 'enforce',
  clickSpam: 'enforce',
  sharedIp: 'enforce',
  touchConsumed: 'enforce',
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
  | 'touch_consumed';

/** What a fraud rule in shadow mode would have done to this decision. */
export interface ShadowNote {
  rule: 'click_injection' | 'click_flooding' | 'ip_blocklist' | 'click_spam' | 'shared_ip' | 'touch_consumed';
  effect: 'would_reject' | 'would_exclude_touch';
  touchId: string;
}

export interface CandidateOutcome {
  touchId: string;
  kind: Touch['kind'];
  campaignId: string;
  ts: string;
  rule: MatchType;
  won: boolean;
  reason?: LossReason;
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
  const modeOf = (rule: 'clickSpam' | 'sharedIp' | 'touchConsumed'): FraudMode => modes[rule] ?? DEFAULT_FRAUD_MODES[rule];
  const spam = (t: Touch) => (t.sourceDevices ?? 0) > CLICK_SPAM_DEVICES;
  const sharedIp = (install.ipInstalls ?? 0) >= SHARED_IP_INSTALLS;
  const tooOldForSharedIp = (t: Touch) => installedMs - t.ts.getTime() > SHARED_IP_FINGERPRINT_HOURS * HOUR_MS;
  /** The new rules' findings on a touch under a rule, whatever their mode. */
  const findings = (t: Touch, rule: MatchType): ('click_spam' | 'shared_ip' | 'touch_consumed')[] => {
    const out: ('click_spam' | 'shared_ip' | 'touch_consumed')[] = [];
    if ((rule === 'device_id' || rule === 'fingerprint') && spam(t)) out.push('click_spam');
    if (rule === 'fingerprint' && sharedIp && tooOldForSharedIp(t)) out.push('shared_ip');
    if (rule === 'fingerprint' && t.consumed) out.push('touch_consumed');
    return out;
  };
  const MODE_KEY = { click_spam: 'clickSpam', shared_ip: 'sharedIp', touch_consumed: 'touchConsumed' } as const;

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
    if (!placed && firstReason) losses.push(outcome(touch, firstReason.rule, false, firstReason.reason));
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
            : `Organic: ${candidates.length} touch(es) matched the device but none counted (${[...new Set(candidates.map((c) => c.reason))].join(', ')}).`,
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
    if (modeOf(MODE_KEY[f]) === 'shadow') shadow.push({ rule: f, effect: 'would_exclude_touch', touchId: winner.id });
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
        summary: `Rejected as click injection: ${base}, but a click-to-install time of ${ctitSeconds} s is under the app's minimum of ${app.minCtitSeconds} s.`,
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
      summary: `Attributed by ${winningRule}: ${base}.${lost > 0 ? ` ${lost} other touch(es) lost.` : ''}${shadow.map((n) => ` Shadow mode: ${n.rule} ${n.effect.replace(/_/g, ' ')}.`).join('')}`,
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
