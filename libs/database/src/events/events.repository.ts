// The worker's side of in-app events: reading a stored event, finishing its USD value, and linking events to
// their decided install together with the event postbacks that owes.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { postbackUrl, uuidv7Time } from '@app/domain';
import { campaignPostbackTargets } from '../campaigns/postback-targets';
import { clickById } from '../clicks/clicks';
import { insertPostback } from '../deliveries/outbox';
import { rowsOf, type Queryable } from '../sql';

export interface StoredEvent {
  id: string;
  appId: string;
  /** The client installId it belongs to; null for a web (pixel) event. */
  installId: string | null;
  revenue: string | null;
  currency: string | null;
  revenueUsd: string | null;
  status: string;
}

/** An event as the worker names it: its id (a UUIDv7 of its received time) and its app. */
export interface EventKey {
  id: string;
  appId: string;
}

export interface EventsLinked {
  linked: number;
  /** Outbox rows made for the event postbacks owed, to hand to the queue after commit. */
  deliveryIds: string[];
}

interface DecidedInstall {
  id: string;
  status: string;
  campaign_id: string | null;
  match_type: string | null;
  touch_id: string | null;
  touch_kind: string | null;
  gaid: string | null;
  idfa: string | null;
  installed_at: Date;
}

interface LinkedEvent {
  id: string;
  name: string;
  revenue: string | null;
  currency: string | null;
  revenue_usd: string | null;
}

/**
 * The event's id is a UUIDv7 of its received time: the partition to read, within a second of clock rounding.
 * With its app ($3) the look-up uses the primary key (app_id, id, received_at) and is routed to one shard.
 */
const BY_ID = `id = $1 AND received_at BETWEEN $2::timestamptz - interval '1 second' AND $2::timestamptz + interval '1 second'`;
const BY_KEY = `app_id = $3 AND ${BY_ID}`;

@Injectable()
export class EventsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The stored event; undefined for an id that is no UUIDv7 or names no event. Without `appId` (a job enqueued
   * by an older version) the read scans the one partition of the event's time.
   */
  async find(eventId: string, appId?: string): Promise<StoredEvent | undefined> {
    const ts = uuidv7Time(eventId);
    if (!ts) return undefined;
    const [e] = await rowsOf<{
      id: string;
      app_id: string;
      install_id: string | null;
      revenue: string | null;
      currency: string | null;
      revenue_usd: string | null;
      status: string;
    }>(
      this.db,
      `SELECT id, app_id, install_id, revenue::text AS revenue, currency, revenue_usd::text AS revenue_usd, status
         FROM events WHERE ${appId ? BY_KEY : BY_ID}`,
      appId ? [eventId, ts, appId] : [eventId, ts],
    );
    if (!e) return undefined;
    return { id: e.id, appId: e.app_id, installId: e.install_id, revenue: e.revenue, currency: e.currency, revenueUsd: e.revenue_usd, status: e.status };
  }

  /** Sets the event's USD value unless it has one already. */
  async setRevenueUsd(event: EventKey, usd: string): Promise<void> {
    await this.db.query(`UPDATE events SET revenue_usd = $4 WHERE ${BY_KEY} AND revenue_usd IS NULL`, [...keyParams(event), usd]);
  }

  /**
   * A pending event becomes `waiting` (its install is unknown or undecided: the attribution processor links it)
   * or `unlinked` (a web event: no install to link to). Any other status stays.
   */
  async settlePending(event: EventKey, status: 'waiting' | 'unlinked'): Promise<void> {
    await this.db.query(`UPDATE events SET status = $4 WHERE ${BY_KEY} AND status = 'pending'`, [...keyParams(event), status]);
  }

  /**
   * Links the app's waiting events of this client installId (or only `eventId`) to the install, copying its
   * attribution onto them, and owes the event postbacks its network asked for (`postbackEvents`) — one
   * transaction. Undefined when the install is unknown or still pending: the events keep waiting. The UPDATE only
   * takes events not yet linked and the outbox is unique per event, so two racing callers link each event once
   * and post it back at most once.
   */
  async link(appId: string, clientInstallId: string, eventId?: string): Promise<EventsLinked | undefined> {
    return this.db.transaction(async (tx) => {
      const [install] = await rowsOf<DecidedInstall>(
        tx,
        `SELECT id, status, campaign_id, match_type, touch_id, touch_kind, gaid, idfa, installed_at
           FROM installs WHERE app_id = $1 AND install_id = $2`,
        [appId, clientInstallId],
      );
      if (!install || install.status === 'pending') return undefined;
      // Only an attributed install passes its campaign on; organic, rejected and reinstall events earn nobody credit.
      const attributed = install.status === 'attributed' && install.campaign_id !== null;
      const events = await rowsOf<LinkedEvent>(
        tx,
        `UPDATE events
            SET status = 'linked', install_ref = $3, campaign_id = $4, match_type = $5, linked_at = now()
          WHERE app_id = $1 AND install_id = $2 AND status IN ('pending', 'waiting')
            ${eventId ? 'AND id = $6' : ''}
          RETURNING id, name, revenue::text AS revenue, currency, revenue_usd::text AS revenue_usd`,
        [
          appId,
          clientInstallId,
          install.id,
          attributed ? install.campaign_id : null,
          attributed ? install.match_type : null,
          ...(eventId ? [eventId] : []),
        ],
      );
      const deliveryIds = attributed && events.length > 0 ? await owePostbacks(tx, appId, install, events) : [];
      return { linked: events.length, deliveryIds };
    });
  }
}

function keyParams(event: EventKey): [string, Date | undefined, string] {
  return [event.id, uuidv7Time(event.id), event.appId];
}

/** Outbox rows for the events the network asked for, sent by the delivery processor. */
async function owePostbacks(tx: Queryable, appId: string, install: DecidedInstall, events: LinkedEvent[]): Promise<string[]> {
  const target = (await campaignPostbackTargets(tx, appId, install.campaign_id!)).get(install.campaign_id!);
  if (!target?.eventPostbackUrl) return [];
  const owed = events.filter((e) => target.postbackEvents.includes(e.name));
  if (owed.length === 0) return [];
  const click = install.touch_kind === 'click' && install.touch_id ? await clickById(tx, appId, install.touch_id) : undefined;
  const ids: string[] = [];
  for (const e of owed) {
    const url = postbackUrl(
      target.eventPostbackUrl,
      { id: install.id, appId, installedAt: install.installed_at, gaid: install.gaid, idfa: install.idfa },
      {
        campaignId: install.campaign_id,
        matchType: install.match_type,
        touchId: install.touch_id,
        touchKind: install.touch_kind,
        networkClickId: click?.networkClickId,
      },
      { name: e.name, revenue: e.revenue, currency: e.currency, revenueUsd: e.revenue_usd },
    );
    const id = await insertPostback(tx, { appId, subjectType: 'event', subjectId: e.id, networkId: target.networkId, url });
    if (id) ids.push(id);
  }
  return ids;
}
