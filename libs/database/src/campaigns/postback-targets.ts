// Campaign → network: where a campaign's postbacks go. The one query for it, install and event postbacks alike.
import { rowsOf, type Queryable } from '../sql';

export interface CampaignPostbackTarget {
  networkId: string;
  /** The network's install postback template; null when it wants none. */
  installPostbackUrl: string | null;
  /** The network's event postback template; null when it wants none. */
  eventPostbackUrl: string | null;
  /** The event names the network wants a postback for. */
  postbackEvents: string[];
}

/** Per campaign of the app (or only `campaignId`): its network and that network's postback templates. */
export async function campaignPostbackTargets(db: Queryable, appId: string, campaignId?: string): Promise<Map<string, CampaignPostbackTarget>> {
  const rows = await rowsOf<{
    id: string;
    network_id: string;
    install_postback_url: string | null;
    event_postback_url: string | null;
    postback_events: string[];
  }>(
    db,
    `SELECT c.id, n.id AS network_id, n.install_postback_url, n.event_postback_url, n.postback_events
       FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.app_id = $1 AND ($2::uuid IS NULL OR c.id = $2)`,
    [appId, campaignId ?? null],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { networkId: r.network_id, installPostbackUrl: r.install_postback_url, eventPostbackUrl: r.event_postback_url, postbackEvents: r.postback_events },
    ]),
  );
}
