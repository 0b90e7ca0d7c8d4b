// Deliveries: postbacks, audience webhooks and pixel alerts, with their attempts and last error, and a retry.
import { useState } from 'preact/hooks';
import { ApiError, all, api, query } from '../api';
import { networkName, type Ctx } from '../context';
import { count, short, when } from '../format';
import { Section, advice, useLoad } from '../ui';
import { lastOutcome } from '../words';

export interface Delivery {
  id: string;
  kind: 'postback' | 'webhook' | 'alert';
  subjectType: string;
  subjectId: string;
  networkId: string | null;
  method: string;
  url: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed' | 'unknown';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attemptLog: { attempt: number; at: string; outcome: string; statusCode: number | null; error: string | null; durationMs: number | null }[];
}

const MAX = 2000;

/** A delivery that failed for good, or whose last attempt ended without an answer, can be sent again. */
export const retriable = (d: Delivery) => d.status === 'failed' || d.status === 'unknown';

function Row({ d, ctx, canRetry }: { d: Delivery; ctx: Ctx; canRetry: boolean }) {
  // A retry's answer holds until the list is read again (a new `d`), then the log's own status shows.
  const [answer, setAnswer] = useState<{ of: Delivery; status: Delivery['status']; msg: { ok: boolean; text: string } } | null>(null);
  const [busy, setBusy] = useState(false);
  const mine = answer?.of === d ? answer : null;
  const status = mine?.status ?? d.status;
  const msg = mine?.msg ?? null;
  const setMsg = (m: { ok: boolean; text: string }, s = status) => setAnswer({ of: d, status: s, msg: m });
  const retry = async () => {
    setBusy(true);
    setAnswer(null);
    try {
      const r = await api<{ status: Delivery['status']; enqueued: boolean }>('POST', `/v1/deliveries/${d.id}/retry`);
      setMsg({ ok: true, text: r.enqueued ? 'Queued: the worker sends it again now.' : 'Marked pending: the worker picks it up within a minute.' }, r.status);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'client', String(e));
      setMsg({ ok: false, text: `${err.message} ${err.status === 409 ? 'Reload to see its current state.' : advice(err)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-delivery={d.id}>
      <td>{when(d.createdAt)}</td>
      <td>
        {d.kind}
        {d.networkId && <div class="hint">{networkName(ctx, d.networkId)}</div>}
      </td>
      <td data-col="status">
        <span class={`badge ${status}`}>{status}</span>
      </td>
      <td class="url">
        <span class="mono">
          {d.method} {d.url}
        </span>
        <div class="hint">
          {d.subjectType} {short(d.subjectId)}
        </div>
      </td>
      <td class="num" data-col="attempts">
        {count(d.attempts)}
      </td>
      <td data-col="lastError">
        {lastOutcome(d)}
        {d.attemptLog.length > 0 && (
          <details>
            <summary>{d.attemptLog.length === 1 ? '1 attempt' : `${d.attemptLog.length} attempts`}</summary>
            <ol>
              {d.attemptLog.map((a) => (
                <li key={a.attempt}>
                  {when(a.at)}: {a.outcome}
                  {a.statusCode !== null && ` HTTP ${a.statusCode}`}
                  {a.error && ` — ${a.error}`}
                  {a.durationMs !== null && ` (${a.durationMs} ms)`}
                </li>
              ))}
            </ol>
          </details>
        )}
      </td>
      <td class="action">
        {retriable({ ...d, status }) && canRetry && (
          <button type="button" disabled={busy} onClick={() => void retry()} aria-label={`Retry delivery ${short(d.id)}`}>
            {busy ? 'Retrying…' : 'Retry'}
          </button>
        )}
        <div role="status" class={msg ? (msg.ok ? 'hint ok' : 'hint bad') : 'hint'}>
          {msg?.text}
        </div>
      </td>
    </tr>
  );
}

export function DeliveriesPage({ ctx }: { ctx: Ctx }) {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const data = useLoad(
    // The log is in creation order: read it all (up to MAX) and show the latest first.
    () => all<Delivery>(`/v1/deliveries?${query({ appId: ctx.app.id, kind, status })}`, MAX).then((d) => d.reverse()),
    [ctx.app.id, kind, status],
  );
  return (
    <>
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Filter deliveries">
        <label>
          <span>Kind</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">All</option>
            <option value="postback">Postbacks (ad networks)</option>
            <option value="webhook">Webhooks (audiences)</option>
            <option value="alert">Alerts (pixel monitor)</option>
          </select>
        </label>
        <label>
          <span>Status</span>
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">All</option>
            <option value="failed">Failed</option>
            <option value="unknown">Unknown (interrupted)</option>
            <option value="pending">Pending</option>
            <option value="sending">Sending</option>
            <option value="delivered">Delivered</option>
          </select>
        </label>
        <span class="grow" />
        <button type="button" onClick={data.reload}>
          Refresh
        </button>
      </form>
      <Section
        load={data}
        minHeight={240}
        isEmpty={(d) => d.length === 0}
        empty={
          kind || status ? (
            <>No delivery matches these filters. Choose “All” to see every delivery.</>
          ) : (
            <>
              Nothing sent yet. Postbacks go out when an install or event is attributed to a campaign whose network has a postback URL; webhooks when
              someone enters or leaves an audience.
            </>
          )
        }
      >
        {(d) => (
          <>
            {d.length >= MAX && <p class="hint">The latest {count(MAX)} shown. Filter by status or kind to narrow.</p>}
            <div class="table-wrap" tabIndex={0} role="region" aria-label="deliveries">
              <table class="deliveries">
                <thead>
                  <tr>
                    <th>Created</th>
                    <th>Kind</th>
                    <th>Status</th>
                    <th>Request</th>
                    <th class="num">Attempts</th>
                    <th>Last outcome</th>
                    <th>
                      <span class="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.map((x) => (
                    <Row key={x.id} d={x} ctx={ctx} canRetry />
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
