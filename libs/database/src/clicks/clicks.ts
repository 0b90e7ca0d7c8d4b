// Reading one click by its Lookback id: the id is a UUIDv7 whose time names the click's partition.
import { uuidv7Time } from '@app/domain';
import { rowsOf, type Queryable } from '../sql';

export interface ClickRef {
  campaignId: string;
  networkClickId: string | null;
  ts: Date;
}

/**
 * The click with this Lookback id in this app, read through one partition's primary key (the id's own time,
 * within a second of clock rounding). Undefined for a non-UUIDv7 id or another app's click.
 */
export async function clickById(db: Queryable, appId: string, clickId: string): Promise<ClickRef | undefined> {
  const ts = uuidv7Time(clickId);
  if (!ts) return undefined;
  const [click] = await rowsOf<{ campaign_id: string; network_click_id: string | null; ts: Date }>(
    db,
    `SELECT campaign_id, network_click_id, ts FROM clicks
      WHERE app_id = $1 AND id = $2 AND ts BETWEEN $3::timestamptz - interval '1 second' AND $3::timestamptz + interval '1 second'`,
    [appId, clickId, ts],
  );
  return click ? { campaignId: click.campaign_id, networkClickId: click.network_click_id, ts: click.ts } : undefined;
}
