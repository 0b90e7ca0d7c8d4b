import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { clickById, insertPostback } from '@app/database';
import { postbackUrl } from '@app/domain';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';

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
 * Ties events to their install once the install is decided, copying its attribution onto them (reports and
 * postbacks read it from the event), and owes the event postbacks in the same transaction. Two paths call it
 * and may race: the event processor (event after install) and the attribution processor (event before
 * install). The UPDATE only takes events not yet linked, and the outbox is unique per event, so each event is
 * linked once and posted back at most once whichever path wins.
 */
@Injectable()
export class EventLinker {
  constructor(
    private readonly db: DataSource,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** Whether any event of this client installId still waits to be linked (uses the waiting-events index). */
  async anyWaiting(appId: string, clientInstallId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM events WHERE app_id = $1 AND install_id = $2 AND status IN ('pending', 'waiting') LIMIT 1`,
      [appId, clientInstallId],
    );
    return rows.length > 0;
  }

  /**
   * Links the app's waiting events of this client installId (or only `eventId`). Undefined when the install
   * is unknown or still pending: the events keep waiting for the attribution processor.
   */
  async link(appId: string, clientInstallId: string, eventId?: string): Promise<{ linked: number } | undefined> {
    const outcome = await this.db.transaction(async (tx) => {
      const [install]: DecidedInstall[] = await tx.query(
        `SELECT id, status, campaign_id, match_type, touch_id, touch_kind, gaid, idfa, installed_at
           FROM installs WHERE app_id = $1 AND install_id = $2`,
        [appId, clientInstallId],
      );
      if (!install || install.status === 'pending') return undefined;
      // Only an attributed install passes its campaign on; organic, rejected and reinstall events earn nobody credit.
      const attributed = install.status === 'attributed' && install.campaign_id !== null;
      const [events]: [LinkedEvent[], number] = await tx.query(
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
      const deliveryIds = attributed && events.length > 0 ? await this.owePostbacks(tx, appId, install, events) : [];
      return { linked: events.length, deliveryIds };
    });
    if (!outcome) return undefined;
    for (const id of outcome.deliveryIds) {
      await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId: id, appId }, id, deliveryJobOptions(this.config));
    }
    return { linked: outcome.linked };
  }

  /** Outbox rows for the events the network asked for (`postbackEvents`), sent by the delivery processor. */
  private async owePostbacks(tx: EntityManager, appId: string, install: DecidedInstall, events: LinkedEvent[]): Promise<string[]> {
    const [network]: { id: string; event_postback_url: string | null; postback_events: string[] }[] = await tx.query(
      `SELECT n.id, n.event_postback_url, n.postback_events
         FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.id = $1`,
      [install.campaign_id],
    );
    if (!network?.event_postback_url) return [];
    const owed = events.filter((e) => network.postback_events.includes(e.name));
    if (owed.length === 0) return [];
    const click =
      install.touch_kind === 'click' && install.touch_id ? await clickById(tx, appId, install.touch_id) : undefined;
    const ids: string[] = [];
    for (const e of owed) {
      const url = postbackUrl(
        network.event_postback_url,
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
      const id = await insertPostback(tx, { appId, subjectType: 'event', subjectId: e.id, networkId: network.id, url });
      if (id) ids.push(id);
    }
    return ids;
  }
}
