// Writing attribution decisions and the postbacks they owe, a whole batch per statement: live attribution and
// replay's `apply` both write here.
import { postbackUrl, uuidv7, type Decision } from '@app/domain';
import type { DataSource } from 'typeorm';
import { namedQuery } from '../sql';
import type { InstallFactsRow } from './attribution-inputs.repository';

export interface DecisionWrite {
  install: InstallFactsRow;
  decision: Decision;
  /** The status the install must still have: `pending` for live attribution, its earlier status for replay. */
  expectedStatus: string;
  /** The install postback owed with this decision, if any. */
  postback?: { networkId: string; url: string };
  /** Replay: the install's linked events carry its attribution for reports, and move with it. */
  moveEvents?: boolean;
}

/** Where an attributed campaign's install postback goes: its network and that network's URL template. */
export interface PostbackTarget {
  networkId: string;
  installPostbackUrl: string | null;
}

/** The install postback a decision owes through `target`, or none (no target, or the network has no template). */
export function owedInstallPostback(
  install: InstallFactsRow,
  decision: Decision,
  target: PostbackTarget | undefined,
  networkClickIds: ReadonlyMap<string, string | null>,
): DecisionWrite['postback'] {
  if (!target?.installPostbackUrl) return undefined;
  return {
    networkId: target.networkId,
    url: postbackUrl(
      target.installPostbackUrl,
      { id: install.id, appId: install.app_id, installedAt: install.installed_at, gaid: install.gaid, idfa: install.idfa },
      { ...decision, networkClickId: networkClickIds.get(decision.touchId ?? '') },
    ),
  };
}

export interface DecisionWritten {
  installId: string;
  /** The outbox row made for the postback; absent when none was owed or one existed already. */
  deliveryId: string | undefined;
}

/**
 * ONE statement for the batch: locks the installs still in their expected status in id order (so two workers
 * writing overlapping batches queue behind each other instead of deadlocking), writes their decisions, moves
 * linked events when asked, and puts the owed postbacks in the outbox — atomic without BEGIN/COMMIT round trips.
 * An install someone else decided first is left out of the answer: its decision and outbox row stand, so every
 * install is decided exactly once and owes at most one postback (the outbox is unique per subject).
 */
const WRITE_DECISIONS_SQL = `
  WITH input AS (
    SELECT * FROM json_to_recordset($1::json)
      AS t(id uuid, expected text, status text, campaign_id uuid, touch_id uuid, touch_kind text, match_type text,
           ctit_seconds int, explanation jsonb, rejection_reason text, move_events boolean, delivery_id uuid,
           network_id uuid, url text, app_id uuid)
  ), locked AS (
    SELECT i.app_id, i.id FROM installs i JOIN input t ON t.app_id = i.app_id AND t.id = i.id AND i.status = t.expected
     ORDER BY i.id FOR UPDATE OF i
  ), d AS (
    UPDATE installs i
       SET status = t.status, campaign_id = t.campaign_id, touch_id = t.touch_id, touch_kind = t.touch_kind,
           match_type = t.match_type, ctit_seconds = t.ctit_seconds, explanation = t.explanation,
           rejection_reason = t.rejection_reason, decided_at = now()
      FROM input t, locked l
     WHERE i.app_id = t.app_id AND i.id = t.id AND l.app_id = i.app_id AND l.id = i.id AND i.status = t.expected
    RETURNING i.id, i.app_id, i.status, i.campaign_id, i.match_type, t.move_events
  ), moved AS (
    UPDATE events e
       SET campaign_id = CASE WHEN d.status = 'attributed' THEN d.campaign_id END,
           match_type = CASE WHEN d.status = 'attributed' THEN d.match_type END
      FROM d
     WHERE d.move_events AND e.app_id = d.app_id AND e.install_ref = d.id AND e.status = 'linked'
    RETURNING e.id
  ), o AS (
    INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url)
    SELECT t.delivery_id, d.app_id, 'postback', 'install', d.id, t.network_id, 'GET', t.url
      FROM d JOIN input t ON t.app_id = d.app_id AND t.id = d.id
     WHERE t.url IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING id, subject_id
  )
  SELECT d.id AS install_id, o.id AS delivery_id, (SELECT count(*) FROM moved)::int AS events_moved
    FROM d LEFT JOIN o ON o.subject_id = d.id`;

/**
 * The batch travels as ONE json document (an array of rows) rather than fifteen parallel arrays: one
 * JSON.stringify on this side and one parse on the server's, where arrays of jsonb made the driver escape every
 * explanation a second time. The statement is prepared once per connection.
 */
export async function writeDecisions(db: DataSource, writes: readonly DecisionWrite[]): Promise<DecisionWritten[]> {
  if (writes.length === 0) return [];
  const rows = writes.map((w) => ({
    id: w.install.id,
    expected: w.expectedStatus,
    status: w.decision.status,
    campaign_id: w.decision.campaignId,
    touch_id: w.decision.touchId,
    touch_kind: w.decision.touchKind,
    match_type: w.decision.matchType,
    ctit_seconds: w.decision.ctitSeconds,
    explanation: w.decision.explanation,
    rejection_reason: w.decision.explanation.rejection?.reason ?? null,
    move_events: w.moveEvents === true,
    delivery_id: w.postback ? uuidv7() : null,
    network_id: w.postback?.networkId ?? null,
    url: w.postback?.url ?? null,
    app_id: w.install.app_id,
  }));
  const written = await namedQuery<{ install_id: string; delivery_id: string | null }>(db, 'lb_write_decisions', WRITE_DECISIONS_SQL, [JSON.stringify(rows)]);
  return written.map((r) => ({ installId: r.install_id, deliveryId: r.delivery_id ?? undefined }));
}
