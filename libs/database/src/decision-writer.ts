// Writing attribution decisions and the postbacks they owe: shared by the worker and by replay.
import type { EntityManager } from 'typeorm';
import { expandMacros, uuidv7, uuidv7Time, type Decision } from '@app/domain';
import type { InstallFactsRow } from './attribution-inputs.repository';

/** The columns a decision sets, as $2…$9 of `decisionParams`. */
const SET_DECISION = `status = $2, campaign_id = $3, touch_id = $4, touch_kind = $5, match_type = $6, ctit_seconds = $7,
  explanation = $8, rejection_reason = $9, decided_at = now()`;

function decisionParams(installId: string, decision: Decision): unknown[] {
  return [
    installId,
    decision.status,
    decision.campaignId,
    decision.touchId,
    decision.touchKind,
    decision.matchType,
    decision.ctitSeconds,
    JSON.stringify(decision.explanation),
    decision.explanation.rejection?.reason ?? null,
  ];
}

/** Writes a decision over an install still in `expectedStatus`; false if someone else changed it first. */
export async function writeDecision(
  tx: EntityManager,
  install: { id: string; app_id: string },
  decision: Decision,
  expectedStatus: string,
): Promise<boolean> {
  // TypeORM answers an UPDATE with [rows, rowCount].
  const [rows]: [unknown[], number] = await tx.query(
    `UPDATE installs SET ${SET_DECISION} WHERE id = $1 AND status = $10 AND app_id = $11 RETURNING id`,
    [...decisionParams(install.id, decision), expectedStatus, install.app_id],
  );
  return rows.length > 0;
}

/**
 * The install postback, written to the outbox beside the decision; sent by the delivery processor.
 * At most one per install: the outbox's unique (app_id, kind, subject_id) refuses a second.
 */
/** The network's install postback template with this decision's macros filled in. */
export function installPostbackUrl(
  template: string,
  install: InstallFactsRow,
  decision: Decision,
  networkClickId: string | null | undefined,
): string {
  return expandMacros(template, {
    click_id: networkClickId,
    lookback_click_id: decision.touchKind === 'click' ? decision.touchId : null,
    install_id: install.id,
    campaign_id: decision.campaignId,
    app_id: install.app_id,
    event_name: 'install',
    revenue: null,
    currency: null,
    revenue_usd: null,
    gaid: install.gaid,
    idfa: install.idfa,
    match_type: decision.matchType,
    install_time: install.installed_at.toISOString(),
  });
}

/**
 * The worker's write: the decision and, when owed, its postback in the outbox, as ONE statement (atomic
 * without BEGIN/COMMIT round trips, which dominate the worker's cost). `decided` is false when another
 * worker decided the install first; its decision and outbox row then stand.
 */
export async function recordDecision(
  db: Queryable,
  install: { id: string; app_id: string },
  decision: Decision,
  postback: { networkId: string; url: string } | undefined,
): Promise<{ decided: boolean; deliveryId: string | undefined }> {
  const [row]: { decided: number; delivery_id: string | null }[] = await db.query(
    `WITH d AS (
       UPDATE installs SET ${SET_DECISION} WHERE app_id = $13 AND id = $1 AND status = 'pending' RETURNING id, app_id),
     o AS (
       INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url)
       SELECT $10, d.app_id, 'postback', 'install', d.id, $11, 'GET', $12 FROM d WHERE $12::text IS NOT NULL
       ON CONFLICT (app_id, kind, subject_id) DO NOTHING
       RETURNING id)
     SELECT (SELECT count(*) FROM d)::int AS decided, (SELECT id FROM o) AS delivery_id`,
    [...decisionParams(install.id, decision), uuidv7(), postback?.networkId ?? null, postback?.url ?? null, install.app_id],
  );
  return { decided: row.decided > 0, deliveryId: row.delivery_id ?? undefined };
}

export async function owePostback(
  tx: EntityManager,
  install: InstallFactsRow,
  decision: Decision,
  networkClickId: string | null | undefined,
): Promise<string | undefined> {
  const [target]: { network_id: string; install_postback_url: string | null }[] = await tx.query(
    `SELECT n.id AS network_id, n.install_postback_url
       FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.id = $1`,
    [decision.campaignId],
  );
  if (!target?.install_postback_url) return undefined;
  const url = installPostbackUrl(target.install_postback_url, install, decision, networkClickId);
  return insertPostback(tx, { appId: install.app_id, subjectType: 'install', subjectId: install.id, networkId: target.network_id, url });
}

/**
 * Puts one postback in the outbox. At most one per install or event: the outbox's unique (app_id, kind, subject_id)
 * refuses a second, and the answer is then undefined (nothing new to send).
 */
export async function insertPostback(
  tx: Queryable,
  p: { appId: string; subjectType: 'install' | 'event'; subjectId: string; networkId: string; url: string },
): Promise<string | undefined> {
  const rows: { id: string }[] = await tx.query(
    `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url)
     VALUES ($1, $2, 'postback', $3, $4, $5, 'GET', $6)
     ON CONFLICT (app_id, kind, subject_id) DO NOTHING
     RETURNING id`,
    [uuidv7(), p.appId, p.subjectType, p.subjectId, p.networkId, p.url],
  );
  return rows[0]?.id;
}

/** The ad network's own id of a Lookback click, echoed back as {click_id}; the click id's time names its partition. */
export async function networkClickId(db: Queryable, appId: string, clickId: string): Promise<string | null> {
  const ts = uuidv7Time(clickId);
  if (!ts) return null;
  const [click]: { network_click_id: string | null }[] = await db.query(
    `SELECT network_click_id FROM clicks
      WHERE app_id = $1 AND id = $2 AND ts BETWEEN $3::timestamptz - interval '1 second' AND $3::timestamptz + interval '1 second'`,
    [appId, clickId, ts],
  );
  return click?.network_click_id ?? null;
}

interface Queryable {
  query: EntityManager['query'];
}
