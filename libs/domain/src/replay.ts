/**
 * What a replay found: installs whose decision would stay, move to another status or campaign, or keep their
 * place with another touch. Pure bookkeeping over (stored decision, fresh decision) pairs, shared by dry runs
 * and applied runs, so both report the same way.
 */
import type { Decision } from './attribution';

export interface ReplayPlace {
  status: string;
  campaignId: string | null;
}

export interface ReplayMove {
  from: ReplayPlace;
  to: ReplayPlace;
  count: number;
  examples: { installId: string; fromMatchType: string | null; toMatchType: string | null; summary: string }[];
}

export interface StoredDecision {
  id: string;
  status: string;
  campaignId: string | null;
  touchId: string | null;
  matchType: string | null;
}

export interface ReplayTally {
  installs: number;
  unchanged: number;
  rematched: number;
  applied: number;
  moves: Map<string, ReplayMove>;
  postbacks: { owed: number; sent: number; alreadySentElsewhere: number };
}

export type ReplayVerdict = 'unchanged' | 'rematched' | 'moved';

const EXAMPLES = 5;

export function newReplayTally(): ReplayTally {
  return { installs: 0, unchanged: 0, rematched: 0, applied: 0, moves: new Map(), postbacks: { owed: 0, sent: 0, alreadySentElsewhere: 0 } };
}

/**
 * Counts one re-decided install. `postedBack`: the install already owes or had an install postback, which a
 * replay never sends again. Returns whether the stored decision would change (and so would be rewritten).
 */
export function tallyReplay(tally: ReplayTally, was: StoredDecision, decision: Decision, postedBack: boolean): ReplayVerdict {
  tally.installs++;
  const moved = was.status !== decision.status || was.campaignId !== decision.campaignId;
  if (!moved && decision.touchId === was.touchId && decision.matchType === was.matchType) {
    tally.unchanged++;
    return 'unchanged';
  }
  if (!moved) {
    tally.rematched++;
    return 'rematched';
  }
  const from = { status: was.status, campaignId: was.campaignId };
  const to = { status: decision.status, campaignId: decision.campaignId };
  const key = `${from.status}:${from.campaignId}>${to.status}:${to.campaignId}`;
  let move = tally.moves.get(key);
  if (!move) tally.moves.set(key, (move = { from, to, count: 0, examples: [] }));
  move.count++;
  if (move.examples.length < EXAMPLES) {
    move.examples.push({ installId: was.id, fromMatchType: was.matchType, toMatchType: decision.matchType, summary: decision.explanation.summary });
  }
  if (decision.status === 'attributed') {
    if (postedBack) tally.postbacks.alreadySentElsewhere++;
    else tally.postbacks.owed++;
  }
  return 'moved';
}

/** The moves, most common first, and the counts, as the admin API answers them. */
export function replaySummary(tally: ReplayTally) {
  const moves = [...tally.moves.values()].sort((a, b) => b.count - a.count);
  return {
    installs: tally.installs,
    unchanged: tally.unchanged,
    moved: moves.reduce((n, m) => n + m.count, 0),
    rematched: tally.rematched,
    applied: tally.applied,
    moves,
    postbacks: { ...tally.postbacks },
  };
}
