// Events that arrived before their install was decided wait (status pending/waiting) to be linked to it.
import { rowsOf, type Queryable } from '../sql';

/**
 * Which of these (app, client installId) pairs still have events waiting to be linked, in one statement for a
 * batch of decided installs (through the waiting-events partial index). Most installs have none, so the
 * linking transaction runs only for the few that do.
 */
export async function installsWithWaitingEvents(
  db: Queryable,
  installs: readonly { appId: string; installId: string }[],
): Promise<Set<string>> {
  if (installs.length === 0) return new Set();
  const rows = await rowsOf<{ app_id: string; install_id: string }>(
    db,
    `SELECT u.app_id, u.install_id FROM unnest($1::uuid[], $2::text[]) AS u(app_id, install_id)
      WHERE EXISTS (SELECT 1 FROM events e
                     WHERE e.app_id = u.app_id AND e.install_id = u.install_id AND e.status IN ('pending', 'waiting'))`,
    [installs.map((i) => i.appId), installs.map((i) => i.installId)],
  );
  return new Set(rows.map((r) => waitingKey(r.app_id, r.install_id)));
}

export function waitingKey(appId: string, installId: string): string {
  return `${appId}\u0000${installId}`;
}
