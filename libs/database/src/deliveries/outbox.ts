// The delivery outbox: rows written in the same transaction (or statement) as the fact that owes them.
import { uuidv7 } from '@app/domain';
import { rowsOf, type Queryable } from '../sql';

/**
 * Puts one postback in the outbox. At most one per install or event: the outbox's unique subject refuses a
 * second, and the answer is then undefined (nothing new to send).
 */
export async function insertPostback(
  db: Queryable,
  p: { appId: string; subjectType: 'install' | 'event'; subjectId: string; networkId: string; url: string },
): Promise<string | undefined> {
  const rows = await rowsOf<{ id: string }>(
    db,
    `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, network_id, method, url)
     VALUES ($1, $2, 'postback', $3, $4, $5, 'GET', $6)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [uuidv7(), p.appId, p.subjectType, p.subjectId, p.networkId, p.url],
  );
  return rows[0]?.id;
}

/** Install ids among these that already owe or had an install postback: replay never sends those again. */
export async function installsPostedBack(db: Queryable, appId: string, installIds: string[]): Promise<Set<string>> {
  if (installIds.length === 0) return new Set();
  const rows = await rowsOf<{ subject_id: string }>(
    db,
    `SELECT subject_id FROM deliveries
      WHERE app_id = $1 AND kind = 'postback' AND subject_type = 'install' AND subject_id = ANY($2::uuid[])`,
    [appId, installIds],
  );
  return new Set(rows.map((r) => r.subject_id));
}
