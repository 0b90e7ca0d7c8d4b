import { newReplayTally, replaySummary, tallyReplay } from './replay';
import type { Decision } from './attribution';

const decision = (status: Decision['status'], campaignId: string | null, touchId: string | null = null): Decision => ({
  status,
  campaignId,
  touchId,
  touchKind: touchId ? 'click' : null,
  matchType: touchId ? 'device_id' : null,
  ctitSeconds: null,
  explanation: { summary: `${status} now`, rule: null, winner: null, ctitSeconds: null, candidates: [] },
});
const stored = (id: string, status: string, campaignId: string | null, touchId: string | null = null) => ({
  id,
  status,
  campaignId,
  touchId,
  matchType: touchId ? 'device_id' : null,
});

describe('replay tally', () => {
  it('tells unchanged, rematched and moved installs apart and groups moves by from/to', () => {
    const t = newReplayTally();
    expect(tallyReplay(t, stored('a', 'organic', null), decision('organic', null), false)).toBe('unchanged');
    expect(tallyReplay(t, stored('b', 'attributed', 'c1', 't1'), decision('attributed', 'c1', 't2'), false)).toBe('rematched');
    expect(tallyReplay(t, stored('c', 'attributed', 'c1', 't1'), decision('organic', null), false)).toBe('moved');
    expect(tallyReplay(t, stored('d', 'attributed', 'c1', 't3'), decision('organic', null), false)).toBe('moved');
    expect(tallyReplay(t, stored('e', 'organic', null), decision('attributed', 'c2', 't4'), true)).toBe('moved');
    const s = replaySummary(t);
    expect(s).toMatchObject({ installs: 5, unchanged: 1, rematched: 1, moved: 3, postbacks: { owed: 0, alreadySentElsewhere: 1 } });
    expect(s.moves[0]).toMatchObject({ from: { status: 'attributed', campaignId: 'c1' }, to: { status: 'organic' }, count: 2 });
    expect(s.moves[0].examples.map((e) => e.installId)).toEqual(['c', 'd']);
  });
});
