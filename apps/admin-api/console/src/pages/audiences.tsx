// Audiences: size, members, the rule in words, and the latest webhooks with their outcome.
import { useState } from 'preact/hooks';
import { all, get, type Page } from '../api';
import { campaignName, type Ctx } from '../context';
import { count, when } from '../format';
import { ruleLines, type Line, type Rule } from '../rule';
import { Section, useLoad } from '../ui';
import type { Delivery } from './deliveries';

export interface Audience {
  id: string;
  name: string;
  rule: Rule;
  webhookUrl: string;
  size: number;
  backfill: { status: 'running' | 'done'; queued: number; done: number };
  createdAt: string;
}
interface Member {
  device: Record<string, string>;
  customerUserId: string | null;
  enteredAt: string;
}

function RuleTree({ line }: { line: Line }) {
  return (
    <li>
      {line.text}
      {line.children && (
        <ul>
          {line.children.map((c, i) => (
            <RuleTree key={i} line={c} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Members({ id }: { id: string }) {
  const members = useLoad(() => get<Page<Member>>(`/v1/audiences/${id}/members?limit=20`), [id]);
  return (
    <Section load={members} minHeight={80} isEmpty={(m) => m.items.length === 0} empty={<>No member right now.</>}>
      {(m) => (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>User</th>
                <th>Device</th>
                <th>Entered</th>
              </tr>
            </thead>
            <tbody>
              {m.items.map((x, i) => (
                <tr key={i} data-member>
                  <td class="mono">{x.customerUserId ?? '—'}</td>
                  <td class="mono">
                    {Object.entries(x.device)
                      .map(([k, v]) => `${k} ${v}`)
                      .join(', ') || '—'}
                  </td>
                  <td>{when(x.enteredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {m.nextCursor && <p class="hint">The first 20 shown; GET /v1/audiences/{id}/members pages through all.</p>}
        </div>
      )}
    </Section>
  );
}

function AudienceCard({ a, hooks, ctx }: { a: Audience; hooks: Delivery[]; ctx: Ctx }) {
  const [open, setOpen] = useState(false);
  const mine = hooks.filter((d) => d.url === a.webhookUrl).slice(0, 5);
  return (
    <article class="card audience" data-audience={a.id} aria-labelledby={`aud-${a.id}`}>
      <div class="audience-head">
        <h2 id={`aud-${a.id}`}>{a.name}</h2>
        <span class="size">
          <strong data-field="size">{count(a.size)}</strong> {a.size === 1 ? 'member' : 'members'}
          {a.backfill.status === 'running' && (
            <span class="badge pending">
              filling from history {count(a.backfill.done)}/{count(a.backfill.queued)}
            </span>
          )}
        </span>
      </div>
      <h3>Who is in it</h3>
      <ul class="rule" data-field="rule">
        <RuleTree line={ruleLines(a.rule, (id) => campaignName(ctx, id))} />
      </ul>
      <p class="hint">
        Webhook: <span class="mono">{a.webhookUrl}</span>
      </p>
      <h3>Recent webhooks</h3>
      {mine.length === 0 ? (
        <p class="hint">No webhook sent yet: one goes out when someone enters or leaves.</p>
      ) : (
        <ul class="hooks">
          {mine.map((d) => (
            <li key={d.id} data-delivery={d.id}>
              <span class={`badge ${d.status}`}>{d.status}</span> {when(d.createdAt)} · {count(d.attempts)} {d.attempts === 1 ? 'attempt' : 'attempts'}
              {d.lastStatusCode !== null && ` · HTTP ${d.lastStatusCode}`}
              {d.lastError && ` · ${d.lastError}`}
            </li>
          ))}
        </ul>
      )}
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide members' : 'Show members'}
      </button>
      {open && <Members id={a.id} />}
    </article>
  );
}

export function AudiencesPage({ ctx }: { ctx: Ctx }) {
  const data = useLoad(async () => {
    const [audiences, hooks] = await Promise.all([
      all<Audience>(`/v1/audiences?appId=${ctx.app.id}`),
      // The log is oldest first; the latest are at its end.
      all<Delivery>(`/v1/deliveries?kind=webhook&appId=${ctx.app.id}`, 5000).then((d) => d.reverse()),
    ]);
    return { audiences, hooks };
  }, [ctx.app.id]);
  return (
    <Section
      load={data}
      minHeight={240}
      isEmpty={(d) => d.audiences.length === 0}
      empty={
        <>
          No audience for this app. Create one with <code>POST /v1/audiences</code> (a rule and a webhook URL; see docs/audiences.md); it fills from
          history at once.
        </>
      }
    >
      {(d) => (
        <div class="audiences">
          {d.audiences.map((a) => (
            <AudienceCard key={a.id} a={a} hooks={d.hooks} ctx={ctx} />
          ))}
        </div>
      )}
    </Section>
  );
}
