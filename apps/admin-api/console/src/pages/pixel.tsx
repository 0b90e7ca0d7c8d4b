// Pixel: is each web event firing, silent or rejected, and the snippets to paste into the site.
import { useState } from 'preact/hooks';
import { get } from '../api';
import type { Ctx } from '../context';
import { count, when } from '../format';
import { Section, useLoad } from '../ui';

interface Tally {
  lastHour: number;
  lastDay: number;
}
export interface EventHealth {
  name: string;
  lastFiredAt: string | null;
  accepted: Tally;
  rejected: Tally & { reasons: Record<string, Tally & { lastAt: string }> };
  test: Tally & { lastAt: string | null; accepted: number; reasons: Record<string, Tally> };
  monitor: { state: 'firing' | 'silent' | 'rejecting'; since: string | null; detail: string } | null;
}
interface Health {
  acceptedEvents: string[] | null;
  pixelMonitor: { webhookUrl: string; events: string[]; silentAfterMinutes: number; rejectedPercent: number } | null;
  events: EventHealth[];
}
interface Snippets {
  url: string;
  snippet: string;
  tag: string;
  tagCalls: Record<string, string>;
  events: { name: string; where: string; img: string; tag: string }[];
  testUrl: string;
}

function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      aria-label={`Copy ${label}`}
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1500);
          },
          () => undefined,
        )
      }
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

function Snippet({ title, code }: { title: string; code: string }) {
  return (
    <div class="snippet">
      <div class="snippet-head">
        <h3>{title}</h3>
        <Copy text={code} label={title} />
      </div>
      <pre>
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function PixelPage({ ctx }: { ctx: Ctx }) {
  const health = useLoad(() => get<Health>(`/v1/apps/${ctx.app.id}/pixel/health`), [ctx.app.id]);
  const snippets = useLoad(() => get<Snippets>(`/v1/apps/${ctx.app.id}/pixel`), [ctx.app.id]);
  return (
    <>
      <div class="controls">
        <p class="hint grow">
          {health.data?.pixelMonitor
            ? `The monitor watches ${health.data.pixelMonitor.events.join(', ')}: silent after ${health.data.pixelMonitor.silentAfterMinutes} min without an accepted hit, rejecting above ${health.data.pixelMonitor.rejectedPercent}% refused over 15 min. Alerts go to ${health.data.pixelMonitor.webhookUrl}.`
            : 'No event is watched: set pixelMonitor on the app (PATCH /v1/apps/{id}) to be alerted when an event goes silent or is rejected.'}
        </p>
        <button type="button" onClick={health.reload}>
          Refresh
        </button>
      </div>
      <Section
        load={health}
        minHeight={180}
        isEmpty={(h) => h.events.length === 0}
        empty={<>No pixel hit in the last day. Paste a snippet below into your site, then open the test link to send a test hit: it shows here within a minute.</>}
      >
        {(h) => (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="pixel events">
            <table>
              <thead>
                <tr>
                  <th>Event</th>
                  <th>State</th>
                  <th>Last fired</th>
                  <th class="num">Accepted 1 h</th>
                  <th class="num">Accepted 24 h</th>
                  <th class="num">Rejected 1 h</th>
                  <th class="num">Rejected 24 h</th>
                  <th>Rejections by reason (24 h)</th>
                  <th class="num">Test hits 24 h</th>
                </tr>
              </thead>
              <tbody>
                {h.events.map((e) => (
                  <tr key={e.name} data-event={e.name}>
                    <td class="mono">{e.name}</td>
                    <td data-col="state">
                      {e.monitor ? (
                        <span class={`badge ${e.monitor.state}`} title={e.monitor.detail}>
                          {e.monitor.state}
                        </span>
                      ) : (
                        <span class="badge">not watched</span>
                      )}
                      {e.monitor && e.monitor.state !== 'firing' && <div class="hint">{e.monitor.detail}</div>}
                    </td>
                    <td data-col="lastFiredAt">{when(e.lastFiredAt)}</td>
                    <td class="num" data-col="acceptedHour">{count(e.accepted.lastHour)}</td>
                    <td class="num" data-col="acceptedDay">{count(e.accepted.lastDay)}</td>
                    <td class="num" data-col="rejectedHour">{count(e.rejected.lastHour)}</td>
                    <td class="num" data-col="rejectedDay">{count(e.rejected.lastDay)}</td>
                    <td data-col="reasons">
                      {Object.keys(e.rejected.reasons).length === 0
                        ? '—'
                        : Object.entries(e.rejected.reasons)
                            .sort((a, b) => b[1].lastDay - a[1].lastDay)
                            .map(([reason, t]) => `${reason.replace(/_/g, ' ')}: ${count(t.lastDay)}`)
                            .join(', ')}
                    </td>
                    <td class="num" data-col="testDay">{count(e.test.lastDay)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <h2>Snippets</h2>
      <Section load={snippets} minHeight={320}>
        {(s) => (
          <>
            <div class="grid2">
              <Snippet title="Web tag (every page, once)" code={s.tag} />
              <Snippet title="Image pixel (no script)" code={s.snippet} />
            </div>
            <p class="hint">
              Test without counting: <a href={s.testUrl} target="_blank" rel="noreferrer">{s.testUrl}</a>
            </p>
            <h3>Per event</h3>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Event</th>
                    <th>Where</th>
                    <th>Web tag call</th>
                  </tr>
                </thead>
                <tbody>
                  {s.events.map((e) => (
                    <tr key={e.name}>
                      <td class="mono">{e.name}</td>
                      <td>{e.where}</td>
                      <td>
                        <code>{e.tag}</code> <Copy text={e.tag} label={`${e.name} call`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Section>
    </>
  );
}
