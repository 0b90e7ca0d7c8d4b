/**
 * Retargeting audience rules: the grammar of the contract, its validation (with the path of the bad part) and
 * evaluation over one member's facts at a given `now`. Evaluation also answers when the answer could next change
 * by itself (a purchase leaving its window), so time-based exits are scheduled instead of found by scanning.
 */
import { isUuid } from './ids';
import { EVENT_NAME } from './events';

export interface Bound {
  gte?: number;
  lte?: number;
}

export type AudienceRule =
  | { event: string; withinDays?: number; count?: Bound; revenueUsd?: Bound }
  | { installedWithinDays: number }
  | { campaignId: string }
  | { not: AudienceRule }
  | { all: AudienceRule[] }
  | { any: AudienceRule[] };

export const MAX_RULE_DEPTH = 5;
export const MAX_RULE_CONDITIONS = 50;
/** Longer than any retention anyone runs; a bound so a typo (3650000) is a 400, not a rule that never ages. */
export const MAX_WINDOW_DAYS = 3650;
export const DAY_MS = 86_400_000;

export type RuleCheck = { ok: true; rule: AudienceRule } | { ok: false; code: string; message: string; field: string };

class RuleProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function days(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WINDOW_DAYS) {
    throw new RuleProblem('invalid_rule', `${field} must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}`, field);
  }
  return value;
}

function bound(value: unknown, field: string, wholeNumbers: boolean): Bound {
  if (!isPlainObject(value)) throw new RuleProblem('invalid_rule', `${field} must be an object {gte?, lte?}`, field);
  const out: Bound = {};
  for (const [key, v] of Object.entries(value)) {
    const f = `${field}.${key}`;
    if (key !== 'gte' && key !== 'lte') throw new RuleProblem('invalid_rule', `${f} is not allowed (use gte or lte)`, f);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RuleProblem('invalid_rule', `${f} must be a number`, f);
    if (wholeNumbers && (!Number.isInteger(v) || v < 0)) {
      throw new RuleProblem('invalid_rule', `${f} must be a whole number ≥ 0`, f);
    }
    if (!wholeNumbers && Math.abs(v) > 1e12) throw new RuleProblem('invalid_rule', `${f} must be within ±1e12`, f);
    out[key] = v;
  }
  if (out.gte === undefined && out.lte === undefined) {
    throw new RuleProblem('invalid_rule', `${field} needs gte or lte`, field);
  }
  if (out.gte !== undefined && out.lte !== undefined && out.gte > out.lte) {
    throw new RuleProblem('invalid_rule', `${field}.gte must not be above ${field}.lte`, `${field}.gte`);
  }
  return out;
}

const KINDS = ['event', 'installedWithinDays', 'campaignId', 'not', 'all', 'any'] as const;
const EVENT_KEYS = new Set(['event', 'withinDays', 'count', 'revenueUsd']);

/**
 * Checks a rule as the admin API received it. `field` names the bad part as a path from `root`
 * (`rule.all[1].not.withinDays`), so a growth team can find it in a long rule.
 */
export function checkAudienceRule(value: unknown, root = 'rule'): RuleCheck {
  let conditions = 0;
  const walk = (node: unknown, path: string, depth: number): AudienceRule => {
    if (depth > MAX_RULE_DEPTH) {
      throw new RuleProblem('rule_too_deep', `rules may be at most ${MAX_RULE_DEPTH} levels deep`, path);
    }
    if (!isPlainObject(node)) throw new RuleProblem('invalid_rule', `${path} must be a condition object`, path);
    const kinds = KINDS.filter((k) => k in node);
    if (kinds.length !== 1) {
      throw new RuleProblem(
        'invalid_rule',
        kinds.length === 0
          ? `${path} must have one of ${KINDS.join(', ')}`
          : `${path} must have only one of ${kinds.join(', ')}`,
        path,
      );
    }
    const kind = kinds[0];
    const allowed = kind === 'event' ? EVENT_KEYS : new Set([kind]);
    for (const key of Object.keys(node)) {
      if (!allowed.has(key)) throw new RuleProblem('invalid_rule', `${path}.${key} is not allowed here`, `${path}.${key}`);
    }
    switch (kind) {
      case 'event': {
        conditions++;
        const name = node.event;
        if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
          throw new RuleProblem('invalid_rule', `${path}.event must be an event name (^[A-Za-z0-9_.:-]{1,100}$)`, `${path}.event`);
        }
        const rule: AudienceRule = { event: name };
        if (node.withinDays !== undefined) rule.withinDays = days(node.withinDays, `${path}.withinDays`);
        if (node.count !== undefined) rule.count = bound(node.count, `${path}.count`, true);
        if (node.revenueUsd !== undefined) rule.revenueUsd = bound(node.revenueUsd, `${path}.revenueUsd`, false);
        return rule;
      }
      case 'installedWithinDays':
        conditions++;
        return { installedWithinDays: days(node.installedWithinDays, `${path}.installedWithinDays`) };
      case 'campaignId': {
        conditions++;
        const id = node.campaignId;
        if (typeof id !== 'string' || !isUuid(id)) {
          throw new RuleProblem('invalid_rule', `${path}.campaignId must be a campaign id (a UUID)`, `${path}.campaignId`);
        }
        return { campaignId: id.toLowerCase() };
      }
      case 'not':
        return { not: walk(node.not, `${path}.not`, depth + 1) };
      case 'all':
      case 'any': {
        const list = node[kind];
        const f = `${path}.${kind}`;
        if (!Array.isArray(list) || list.length === 0) throw new RuleProblem('invalid_rule', `${f} must be a non-empty array`, f);
        if (list.length > MAX_RULE_CONDITIONS) {
          throw new RuleProblem('too_many_conditions', `rules may have at most ${MAX_RULE_CONDITIONS} conditions`, f);
        }
        const children = list.map((child, i) => walk(child, `${f}[${i}]`, depth + 1));
        return kind === 'all' ? { all: children } : { any: children };
      }
    }
  };
  try {
    const rule = walk(value, root, 1);
    if (conditions > MAX_RULE_CONDITIONS) {
      return { ok: false, code: 'too_many_conditions', message: `rules may have at most ${MAX_RULE_CONDITIONS} conditions`, field: root };
    }
    return { ok: true, rule };
  } catch (err) {
    if (err instanceof RuleProblem) return { ok: false, code: err.code, message: err.message, field: err.field };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** One install of the member: `campaignId` only when the install is attributed to that campaign. */
export interface MemberInstall {
  installedAt: number;
  campaignId: string | null;
}

/** One event of the member; revenue in micro-dollars so sums are exact (null: no revenue or no rate yet). */
export interface MemberEvent {
  name: string;
  occurredAt: number;
  revenueUsdMicros: number | null;
}

export interface MemberFacts {
  installs: readonly MemberInstall[];
  events: readonly MemberEvent[];
}

export interface Evaluation {
  member: boolean;
  /**
   * The earliest time (ms) after `now` at which the answer may change with no new facts, or null if it cannot.
   * The answer is the same at every instant of [now, nextChangeAt); waking at nextChangeAt may find it unchanged
   * (for `all`/`any` it is the first moment any part changes), never later than a real change.
   */
  nextChangeAt: number | null;
}

const inBound = (value: number, b: Bound | undefined, scale = 1): boolean =>
  b === undefined || ((b.gte === undefined || value >= Math.round(b.gte * scale)) && (b.lte === undefined || value <= Math.round(b.lte * scale)));

const minNext = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

function eventLeaf(rule: { event: string; withinDays?: number; count?: Bound; revenueUsd?: Bound }, facts: MemberFacts, now: number): Evaluation {
  const countBound: Bound | undefined = rule.count ?? (rule.revenueUsd === undefined ? { gte: 1 } : undefined);
  const test = (count: number, micros: number) => inBound(count, countBound) && inBound(micros, rule.revenueUsd, 1_000_000);
  const windowMs = rule.withinDays === undefined ? undefined : rule.withinDays * DAY_MS;
  // An event counts while now < occurredAt + window (no upper bound: a few minutes of device clock skew ahead).
  const live: { expires: number; micros: number }[] = [];
  for (const e of facts.events) {
    if (e.name !== rule.event) continue;
    const expires = windowMs === undefined ? Infinity : e.occurredAt + windowMs;
    if (now < expires) live.push({ expires, micros: e.revenueUsdMicros ?? 0 });
  }
  let count = live.length;
  let micros = live.reduce((s, e) => s + e.micros, 0);
  const member = test(count, micros);
  if (windowMs === undefined) return { member, nextChangeAt: null };
  live.sort((a, b) => a.expires - b.expires);
  // Events leave one by one (several may leave at the same millisecond): the first exit that flips the answer.
  for (let i = 0; i < live.length; ) {
    const at = live[i].expires;
    while (i < live.length && live[i].expires === at) {
      count--;
      micros -= live[i].micros;
      i++;
    }
    if (test(count, micros) !== member) return { member, nextChangeAt: at };
  }
  return { member, nextChangeAt: null };
}

function installedLeaf(withinDays: number, facts: MemberFacts, now: number): Evaluation {
  let last: number | null = null;
  for (const i of facts.installs) {
    const expires = i.installedAt + withinDays * DAY_MS;
    if (now < expires && (last === null || expires > last)) last = expires;
  }
  return last === null ? { member: false, nextChangeAt: null } : { member: true, nextChangeAt: last };
}

/** Whether the member matches `rule` at `now`, and when that could next change by itself. Pure. */
export function evaluateRule(rule: AudienceRule, facts: MemberFacts, now: number): Evaluation {
  if ('event' in rule) return eventLeaf(rule, facts, now);
  if ('installedWithinDays' in rule) return installedLeaf(rule.installedWithinDays, facts, now);
  if ('campaignId' in rule) return { member: facts.installs.some((i) => i.campaignId === rule.campaignId), nextChangeAt: null };
  if ('not' in rule) {
    const inner = evaluateRule(rule.not, facts, now);
    return { member: !inner.member, nextChangeAt: inner.nextChangeAt };
  }
  const parts = ('all' in rule ? rule.all : rule.any).map((r) => evaluateRule(r, facts, now));
  const member = 'all' in rule ? parts.every((p) => p.member) : parts.some((p) => p.member);
  return { member, nextChangeAt: parts.reduce<number | null>((m, p) => minNext(m, p.nextChangeAt), null) };
}

/** Event names a rule looks at: the worker loads only those events of a member. */
export function ruleEventNames(rule: AudienceRule, into = new Set<string>()): Set<string> {
  if ('event' in rule) into.add(rule.event);
  else if ('not' in rule) ruleEventNames(rule.not, into);
  else if ('all' in rule) rule.all.forEach((r) => ruleEventNames(r, into));
  else if ('any' in rule) rule.any.forEach((r) => ruleEventNames(r, into));
  return into;
}

/** The longest event window a rule looks back over, in days; Infinity when an event condition has no window. */
export function ruleLookbackDays(rule: AudienceRule): number {
  if ('event' in rule) return rule.withinDays ?? Infinity;
  if ('not' in rule) return ruleLookbackDays(rule.not);
  if ('all' in rule) return Math.max(0, ...rule.all.map(ruleLookbackDays));
  if ('any' in rule) return Math.max(0, ...rule.any.map(ruleLookbackDays));
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Identity and consent

/**
 * A member is a person of the app: the installs (and events) sharing a `customerUserId`, else one install.
 * `u:<customerUserId>` or `i:<the client's installId>`; the same text the database computes for events.
 */
export function memberKey(person: { customerUserId?: string | null; installId?: string | null }): string | null {
  if (person.customerUserId) return `u:${person.customerUserId}`;
  if (person.installId) return `i:${person.installId}`;
  return null;
}

export interface ConsentSignal {
  at: number;
  retargeting: boolean;
}

/**
 * Retargeting consent of a member: the latest install or event that said anything decides (a later `false`
 * withdraws, a later `true` grants again); nobody who said nothing is refused. At the same instant `false` wins.
 */
export function retargetingAllowed(signals: readonly ConsentSignal[]): boolean {
  let latest: ConsentSignal | undefined;
  for (const s of signals) {
    if (!latest || s.at > latest.at || (s.at === latest.at && !s.retargeting)) latest = s;
  }
  return latest === undefined || latest.retargeting;
}

// ---------------------------------------------------------------------------------------------------------------
// Membership and webhooks

/** Who a member is, as the app sent it: what a partner matches on. */
export interface MemberIdentity {
  device: { gaid?: string; idfa?: string; idfv?: string; androidId?: string };
  customerUserId?: string;
}

export interface PersonFacts extends MemberFacts {
  consent: readonly ConsentSignal[];
  identity: MemberIdentity;
}

/**
 * Whether a person belongs to an audience now. Without retargeting consent nobody is a member, whatever the rule
 * says, and nothing is scheduled (a later grant arrives as new data and is evaluated then).
 */
export function evaluateMembership(rule: AudienceRule, person: PersonFacts, now: number): Evaluation {
  if (!retargetingAllowed(person.consent)) return { member: false, nextChangeAt: null };
  return evaluateRule(rule, person, now);
}

export interface MemberChange {
  memberKey: string;
  identity: MemberIdentity;
}

/** One webhook's body: an audience's changes of one evaluation, at most `max` members in a call. */
export interface ChangeSet {
  entered: MemberIdentity[];
  exited: MemberIdentity[];
}

export const MAX_MEMBERS_PER_WEBHOOK = 1000;

/**
 * Splits an audience's changes into webhook bodies of at most `max` members, exits first and then entries, so
 * the calls keep the order of the changes: no member is in more than one list of the same evaluation.
 */
export function changeSets(entered: readonly MemberIdentity[], exited: readonly MemberIdentity[], max = MAX_MEMBERS_PER_WEBHOOK): ChangeSet[] {
  const all: { side: 'entered' | 'exited'; m: MemberIdentity }[] = [
    ...exited.map((m) => ({ side: 'exited' as const, m })),
    ...entered.map((m) => ({ side: 'entered' as const, m })),
  ];
  const sets: ChangeSet[] = [];
  for (let i = 0; i < all.length; i += max) {
    const set: ChangeSet = { entered: [], exited: [] };
    for (const c of all.slice(i, i + max)) set[c.side].push(c.m);
    sets.push(set);
  }
  return sets;
}

/** The webhook body of API.md: `{audienceId, appId, entered, exited, sentAt}`. */
export function webhookBody(audienceId: string, appId: string, set: ChangeSet, at: Date): string {
  return JSON.stringify({ audienceId, appId, entered: set.entered, exited: set.exited, sentAt: at.toISOString() });
}
