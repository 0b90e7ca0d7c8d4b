// Installs: one install's decision read as a person would, and a replay "what if" (always a dry run here).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, get } from '../api';
import { campaignName, type Ctx } from '../context';
import { addDays, count, duration, range, short, today, when } from '../format';
import { ErrorBox, Section, useLoad } from '../ui';
import { RangeFields } from './campaigns';
import { LOSS, RULES } from '../words';

interface Candidate {
  touchId: string;
  kind: 'click' | 'impression';
  campaignId: string;
  ts: string;
  rule: string;
  won: boolean;
  reason?: string;
}
interface Explanation {
  summary: string;
  rule: string | null;
  winner: { touchId: string; kind: string; campaignId: string; ts: string; lookbackHours: number } | null;
  ctitSeconds: number | null;
  rejection?: { reason: string; minCtitSeconds: number };
  reinstallOf?: { installId: string; installedAt: string; reattributionDays: number };
  shadow?: { rule: string; effect: string; touchId: string }[];
  candidates: Candidate[];
  [k: string]: unknown;
}
export interface Install {
  id: string;
  installId: string;
  installedAt: string;
  status: string;
  campaignId: string | null;
  matchType: string | null;
  ctitSeconds: number | null;
  decidedAt: string | null;
  explanation: Explanation | null;
}

const SHADOW: Record<string, string> = {
  would_reject: 'would have rejected this install',
  would_exclude_touch: 'would have excluded touch',
};

function Decision({ i, ctx }: { i: Install; ctx: Ctx }) {
  const e = i.explanation;
  const fraud: string[] = [];
  if (e?.rejection) fraud.push(`Rejected as ${e.rejection.reason.replace('_', ' ')}: installed ${duration(e.ctitSeconds)} after the click, under the app's minimum of ${duration(e.rejection.minCtitSeconds)}.`);
  if (e?.reinstallOf) fraud.push(`A reinstall: this device installed before on ${when(e.reinstallOf.installedAt)} (install ${short(e.reinstallOf.installId)}), inside ${e.reinstallOf.reattributionDays} days.`);
  for (const s of e?.shadow ?? []) fraud.push(`Shadow mode: ${s.rule.replace(/_/g, ' ')} ${SHADOW[s.effect] ?? s.effect}${s.effect === 'would_exclude_touch' ? ` ${short(s.touchId)}` : ''} (not enforced).`);
  const losers = (e?.candidates ?? []).filter((c) => !c.won);
  return (
    <div data-install={i.id}>
      <div class="grid2">
        <div class="card">
          <dl class="kv">
            <dt>Status</dt>
            <dd>
              <span class={`badge ${i.status}`} data-field="status">
                {i.status}
              </span>
            </dd>
            <dt>Campaign</dt>
            <dd data-field="campaign">{i.campaignId ? campaignName(ctx, i.campaignId) : '—'}</dd>
            <dt>Matched by</dt>
            <dd data-field="matchType">{i.matchType ? `${i.matchType} — ${RULES[i.matchType] ?? ''}` : '—'}</dd>
            <dt>CTIT</dt>
            <dd data-field="ctit">{duration(i.ctitSeconds)}</dd>
            <dt>Installed</dt>
            <dd>{when(i.installedAt)}</dd>
            <dt>Decided</dt>
            <dd>{when(i.decidedAt)}</dd>
            <dt>Client id</dt>
            <dd class="mono">{i.installId}</dd>
          </dl>
        </div>
        <div class="card">
          <h3>Why</h3>
          <p data-field="summary">{e?.summary ?? 'Not decided yet: the worker has not looked at this install. Reload in a moment.'}</p>
          {e?.winner && (
            <p data-field="winner">
              Winning {e.winner.kind} <span class="mono">{short(e.winner.touchId)}</span> of {campaignName(ctx, e.winner.campaignId)} at {when(e.winner.ts)},
              inside its {e.winner.lookbackHours} h window.
            </p>
          )}
          <h3>Fraud notes</h3>
          {fraud.length ? (
            <ul data-field="fraud">
              {fraud.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          ) : (
            <p data-field="fraud">None: no fraud rule fired or would have fired.</p>
          )}
        </div>
      </div>
      <h3>Candidates ({count(e?.candidates.length ?? 0)})</h3>
      {e && e.candidates.length > 0 ? (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="candidate touches">
          <table>
            <thead>
              <tr>
                <th>Touch</th>
                <th>Campaign</th>
                <th>At</th>
                <th>Rule</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {[...e.candidates.filter((c) => c.won), ...losers].map((c) => (
                <tr key={c.touchId + c.rule} data-touch={c.touchId}>
                  <td>
                    {c.kind} <span class="mono">{short(c.touchId)}</span>
                  </td>
                  <td>{campaignName(ctx, c.campaignId)}</td>
                  <td>{when(c.ts)}</td>
                  <td>{c.rule}</td>
                  <td data-col="outcome">{c.won ? <span class="badge won">won</span> : (LOSS[c.reason ?? ''] ?? c.reason ?? 'lost')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="notice empty">No click or impression of this app could have matched: the install is organic unless a touch arrives late.</p>
      )}
    </div>
  );
}

interface ReplayMove {
  from: { status: string; campaignId: string | null };
  to: { status: string; campaignId: string | null };
  count: number;
  examples: { installId: string; summary: string }[];
}
interface ReplayResult {
  installs: number;
  unchanged: number;
  moved: number;
  rematched: number;
  moves: ReplayMove[];
  truncated: boolean;
}

const OVERRIDES = [
  ['clickLookbackHours', 'Click lookback (hours)', 2160],
  ['viewLookbackHours', 'View-through lookback (hours)', 720],
  ['fingerprintLookbackHours', 'Fingerprint lookback (hours, 0 = off)', 168],
  ['minCtitSeconds', 'Minimum CTIT (seconds)', 86400],
  ['reattributionDays', 'Reattribution window (days)', 3650],
] as const;

function Replay({ ctx }: { ctx: Ctx }) {
  const [from, setFrom] = useState(addDays(today(), -6));
  const [to, setTo] = useState(today());
  const [values, setValues] = useState<Record<string, string>>({});
  const [state, setState] = useState<{ busy: boolean; result?: ReplayResult; error?: ApiError }>({ busy: false });
  const place = (p: { status: string; campaignId: string | null }) => (p.campaignId ? `${p.status} · ${campaignName(ctx, p.campaignId)}` : p.status);
  const run = async (e: Event) => {
    e.preventDefault();
    const overrides = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '').map(([k, v]) => [k, Number(v)]));
    setState({ busy: true, result: state.result });
    try {
      const result = await api<ReplayResult>('POST', '/v1/attribution/replay', { appId: ctx.app.id, ...range(from, to), overrides, apply: false });
      setState({ busy: false, result });
    } catch (err) {
      setState({ busy: false, error: err instanceof ApiError ? err : new ApiError(0, 'client', String(err)) });
    }
  };
  return (
    <form class="card replay" onSubmit={run} aria-labelledby="replay-title">
      <h2 id="replay-title">What if? (replay, dry run)</h2>
      <p class="hint">Re-decides the installs of these days with other settings and shows what would move. Nothing is changed.</p>
      <div class="controls">
        <RangeFields
          from={from}
          to={to}
          set={(f, t) => {
            setFrom(f);
            setTo(t);
          }}
        />
        {OVERRIDES.map(([k, label, max]) => (
          <label key={k}>
            <span>{label}</span>
            <input
              type="number"
              name={k}
              min={0}
              max={max}
              inputMode="numeric"
              placeholder="as now"
              value={values[k] ?? ''}
              onInput={(e) => setValues({ ...values, [k]: e.currentTarget.value })}
            />
          </label>
        ))}
        <button type="submit" class="primary" disabled={state.busy}>
          {state.busy ? 'Replaying…' : 'Run dry run'}
        </button>
      </div>
      <div class="replay-out" aria-live="polite">
        {state.error && <ErrorBox error={state.error} />}
        {state.result && (
          <div data-testid="replay-result">
            <p>
              Of <strong data-field="installs">{count(state.result.installs)}</strong> installs, <strong data-field="moved">{count(state.result.moved)}</strong> would
              move, <strong data-field="rematched">{count(state.result.rematched)}</strong> would keep their place with another touch and{' '}
              <strong data-field="unchanged">{count(state.result.unchanged)}</strong> would stay as they are
              {state.result.truncated ? ' (stopped at the limit: narrow the days to see all)' : ''}.
            </p>
            {state.result.moves.length > 0 && (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>From</th>
                      <th>To</th>
                      <th class="num">Installs</th>
                      <th>For example</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.result.moves.map((m) => (
                      <tr key={place(m.from) + place(m.to)} data-move>
                        <td>{place(m.from)}</td>
                        <td>{place(m.to)}</td>
                        <td class="num" data-col="count">
                          {count(m.count)}
                        </td>
                        <td>
                          {m.examples.slice(0, 2).map((x) => (
                            <div key={x.installId}>
                              <a href={`#/installs?id=${x.installId}`} class="mono">
                                {short(x.installId)}
                              </a>{' '}
                              {x.summary}
                            </div>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </div>
    </form>
  );
}

const idFromHash = () => new URLSearchParams(location.hash.split('?')[1] ?? '').get('id') ?? '';

export function InstallsPage({ ctx }: { ctx: Ctx }) {
  const [input, setInput] = useState(idFromHash);
  const [id, setId] = useState(idFromHash);
  // The replay's example links change only the hash's id: follow them.
  useEffect(() => {
    const on = () => {
      const v = idFromHash();
      setInput(v);
      setId(v);
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const found = useLoad(async () => (id ? get<Install>(`/v1/installs/${encodeURIComponent(id)}`) : undefined), [id]);
  const look = (e: Event) => {
    e.preventDefault();
    const v = input.trim();
    setId(v);
    history.replaceState(null, '', `#/installs${v ? `?id=${encodeURIComponent(v)}` : ''}`);
  };
  return (
    <>
      <form class="controls" onSubmit={look} role="search" aria-label="Find an install">
        <label class="grow">
          <span>Install id (Lookback's, as in exports and postbacks' {'{install_id}'})</span>
          <input name="installId" value={input} onInput={(e) => setInput(e.currentTarget.value)} placeholder="0193…" autocomplete="off" spellcheck={false} />
        </label>
        <button type="submit" class="primary">
          Look up
        </button>
      </form>
      <Section load={found} minHeight={220}>
        {(i) =>
          i ? (
            <Decision i={i} ctx={ctx} />
          ) : (
            <div class="notice empty">
              Paste an install id to read its decision: the winning touch, the candidates that lost and why, the CTIT and fraud notes. Ids are in the
              installs CSV on the Campaigns page.
            </div>
          )
        }
      </Section>
      <Replay ctx={ctx} />
    </>
  );
}
