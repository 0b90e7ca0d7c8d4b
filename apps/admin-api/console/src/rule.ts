// An audience rule in words, as a tree of lines: "all of", "did purchase at least 2 times in the last 30 days", …
import { money } from './format';

type Bound = { gte?: number; lte?: number };
export type Rule =
  | { event: string; withinDays?: number; count?: Bound; revenueUsd?: Bound }
  | { installedWithinDays: number }
  | { campaignId: string }
  | { not: Rule }
  | { all: Rule[] }
  | { any: Rule[] };

export interface Line {
  text: string;
  children?: Line[];
}

function bound(b: Bound, unit: (n: number) => string): string {
  if (b.gte !== undefined && b.lte !== undefined) return b.gte === b.lte ? `exactly ${unit(b.gte)}` : `between ${unit(b.gte)} and ${unit(b.lte)}`;
  if (b.gte !== undefined) return `at least ${unit(b.gte)}`;
  if (b.lte !== undefined) return `at most ${unit(b.lte)}`;
  return '';
}

const times = (n: number) => (n === 1 ? '1 time' : `${n} times`);
const days = (n: number) => (n === 1 ? 'the last day' : `the last ${n} days`);

export function ruleLines(rule: Rule, campaign: (id: string) => string): Line {
  if ('all' in rule) return { text: rule.all.length === 1 ? 'all of' : `all of these ${rule.all.length}`, children: rule.all.map((r) => ruleLines(r, campaign)) };
  if ('any' in rule) return { text: `any of these ${rule.any.length}`, children: rule.any.map((r) => ruleLines(r, campaign)) };
  if ('not' in rule) {
    const inner = ruleLines(rule.not, campaign);
    return inner.children ? { text: `not ${inner.text}`, children: inner.children } : { text: `not: ${inner.text}` };
  }
  if ('installedWithinDays' in rule) return { text: `installed in ${days(rule.installedWithinDays)}` };
  if ('campaignId' in rule) return { text: `installed from campaign ${campaign(rule.campaignId)}` };
  const parts = [`did ${rule.event}`];
  const c = rule.count ? bound(rule.count, times) : '';
  const r = rule.revenueUsd ? bound(rule.revenueUsd, (n) => money(n)) : '';
  if (c) parts.push(c);
  else if (!r) parts.push('at least once');
  if (r) parts.push(`${c ? 'and ' : ''}for ${r} in revenue`);
  if (rule.withinDays !== undefined) parts.push(`in ${days(rule.withinDays)}`);
  else parts.push('ever');
  return { text: parts.join(' ') };
}

/** The same, on one line (for tests and for a title attribute). */
export function ruleText(rule: Rule, campaign: (id: string) => string): string {
  const flat = (l: Line): string => (l.children ? `${l.text}: (${l.children.map(flat).join('; ')})` : l.text);
  return flat(ruleLines(rule, campaign));
}
