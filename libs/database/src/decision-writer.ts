// Writing attribution decisions and the postbacks they owe: shared by the worker and by replay.
import type { EntityManager } from 'typeorm';
import { expandMacros, uuidv7, type Decision } from '@app/domain';
import type { InstallFactsRow } from './attribution-inputs.repository';

/** Writes a decision over an install still in `expectedStatus`; false if someone else changed it first. */
export async function writeDecision(
  tx: EntityManager,
  installId: string,
  decision: Decision,
  expectedStatus: string,
): Promise<boolean> {
  // TypeORM answers an UPDATE with [rows, rowCount].
  const [rows]: [unknown[], number] = await tx.query(
    `UPDATE installs
        SET status = $2, campaign_id = $3, touch_id = $4, touch_kind = $5, match_type = $6, ctit_seconds = $7,
            explanation = $8, rejection_reason = $9, decided_at = now()
      WHERE id = $1 AND status = $10
      RETURNING id`,
    [
      installId,
      decision.status,
      decision.campaignId,
      decision.touchId,
      decision.touchKind,
      decision.matchType,
      decision.ctitSeconds,
      JSON.stringify(decision.explanation),
      decision.explanation.rejection?.reason ?? null,
      expectedStatus,
    ],
  );
  return rows.length > 0;
}

/**
 * The install postback, written to the outbox beside the decision; sent by the delivery processor.
 * At most one per install: the outbox's unique (kind, subject_id) refuses a second.
 */
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
  const url = expandMacros(target.install_postback_url, {
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
  const rows: { id: string }[] = await tx.query(
    `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url)
     VALUES ($1, $2, 'postback', 'install', $3, $4, 'GET', $5)
     ON CONFLICT (kind, subject_id) DO NOTHING
     RETURNING id`,
    [uuidv7(), install.app_id, install.id, target.network_id, url],
  );
  return rows[0]?.id;
}
