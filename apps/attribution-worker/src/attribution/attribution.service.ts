import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import {
  decideAttribution,
  expandMacros,
  isUuid,
  referrerClickId,
  uuidv7,
  uuidv7Time,
  type CampaignWindows,
  type Decision,
  type Touch,
} from '@app/domain';
import { metrics } from '@app/http';
import { DELIVER_JOB, DELIVERY_QUEUE, deliveryJobOptions, enqueueAfterCommit } from '@app/queues';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { EventLinker } from '../events/event-linker.service';

interface InstallRow {
  id: string;
  app_id: string;
  install_id: string;
  installed_at: Date;
  gaid: string | null;
  idfa: string | null;
  idfv: string | null;
  android_id: string | null;
  ip: string | null;
  ua_key: string | null;
  referrer: string | null;
  consent_attribution: boolean | null;
  status: string;
}

interface CampaignRow {
  id: string;
  network_id: string;
  click_lookback_hours: number;
  view_lookback_hours: number;
  fingerprint_lookback_hours: number;
}

interface ClickRow {
  id: string;
  campaign_id: string;
  ts: Date;
  network_click_id: string | null;
  gaid: string | null;
  idfa: string | null;
  ip: string | null;
  ua_key: string | null;
}

const CLICK_COLUMNS = 'id, campaign_id, ts, network_click_id, gaid, idfa, host(ip) AS ip, ua_key';
/** Touches a little after the install are loaded too, only so the explanation can say why they lost. */
const AFTER_INSTALL_SLACK = "interval '1 hour'";
const TOUCH_LIMIT = 50;

export type AttributeOutcome = Decision['status'] | 'skipped';

/**
 * Loads an install and its candidate touches, asks the pure decision function, and writes the decision
 * with its explanation and any postback it owes in one transaction.
 */
@Injectable()
export class AttributionService {
  constructor(
    private readonly db: DataSource,
    @InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
    private readonly events: EventLinker,
  ) {}

  async attribute(installId: string): Promise<AttributeOutcome> {
    const [install]: InstallRow[] = await this.db.query(
      `SELECT id, app_id, install_id, installed_at, gaid, idfa, idfv, android_id, host(ip) AS ip, ua_key, referrer,
              consent_attribution, status
         FROM installs WHERE id = $1`,
      [installId],
    );
    if (!install) return 'skipped';
    if (install.status !== 'pending') {
      // Decided already, maybe by a run that failed before linking its events: linking again is harmless.
      await this.events.link(install.app_id, install.install_id);
      return 'skipped';
    }

    const [app]: { min_ctit_seconds: number; reattribution_days: number }[] = await this.db.query(
      'SELECT min_ctit_seconds, reattribution_days FROM apps WHERE id = $1',
      [install.app_id],
    );
    const campaignRows: CampaignRow[] = await this.db.query(
      `SELECT id, network_id, click_lookback_hours, view_lookback_hours, fingerprint_lookback_hours
         FROM campaigns WHERE app_id = $1`,
      [install.app_id],
    );
    const campaigns = new Map<string, CampaignWindows>(
      campaignRows.map((c) => [
        c.id,
        {
          clickLookbackHours: c.click_lookback_hours,
          viewLookbackHours: c.view_lookback_hours,
          fingerprintLookbackHours: c.fingerprint_lookback_hours,
        },
      ]),
    );
    const maxLookbackHours = Math.max(
      0,
      ...campaignRows.map((c) => Math.max(c.click_lookback_hours, c.fingerprint_lookback_hours, c.view_lookback_hours)),
    );

    const clicks = await this.loadClicks(install, maxLookbackHours);
    const touches: Touch[] = clicks.map((c) => ({
      id: c.id,
      kind: 'click',
      campaignId: c.campaign_id,
      ts: c.ts,
      gaid: c.gaid ?? undefined,
      idfa: c.idfa ?? undefined,
      ip: c.ip ?? undefined,
      uaKey: c.ua_key ?? undefined,
    }));
    const prior = await this.priorInstall(install, app.reattribution_days);

    const decision = decideAttribution({
      install: {
        installedAt: install.installed_at,
        gaid: install.gaid ?? undefined,
        idfa: install.idfa ?? undefined,
        referrerClickId: referrerClickId(install.referrer),
        ip: install.ip ?? undefined,
        uaKey: install.ua_key ?? undefined,
        consentAttribution: install.consent_attribution,
      },
      touches,
      campaigns,
      app: { minCtitSeconds: app.min_ctit_seconds, reattributionDays: app.reattribution_days },
      priorInstall: prior,
    });

    const winningClick = clicks.find((c) => c.id === decision.touchId);
    const deliveryId = await this.db.transaction(async (tx) => {
      // TypeORM answers an UPDATE with [rows, rowCount].
      const [updated]: [unknown[], number] = await tx.query(
        `UPDATE installs
            SET status = $2, campaign_id = $3, touch_id = $4, touch_kind = $5, match_type = $6, ctit_seconds = $7,
                explanation = $8, decided_at = now()
          WHERE id = $1 AND status = 'pending'
          RETURNING id`,
        [
          install.id,
          decision.status,
          decision.campaignId,
          decision.touchId,
          decision.touchKind,
          decision.matchType,
          decision.ctitSeconds,
          JSON.stringify(decision.explanation),
        ],
      );
      // Another worker decided it first; its decision and its outbox row stand.
      if (updated.length === 0) return null;
      if (decision.status !== 'attributed' || !decision.campaignId) return undefined;
      return this.owePostback(tx, install, decision, winningClick);
    });
    if (deliveryId === null) return 'skipped';

    metrics.decisions.inc({ status: decision.status, match_type: decision.matchType ?? 'none' });
    if (deliveryId) {
      await enqueueAfterCommit(this.deliveries, DELIVER_JOB, { deliveryId }, deliveryId, deliveryJobOptions(this.config));
    }
    // Events that arrived before this install was decided inherit its attribution now.
    await this.events.link(install.app_id, install.install_id);
    return decision.status;
  }

  private async loadClicks(install: InstallRow, maxLookbackHours: number): Promise<ClickRow[]> {
    const window = [install.app_id, install.installed_at, `${maxLookbackHours} hours`];
    const queries: Promise<ClickRow[]>[] = [];
    const refId = referrerClickId(install.referrer);
    const refTime = refId && isUuid(refId) ? uuidv7Time(refId) : undefined;
    if (refId && refTime) {
      // The id is a UUIDv7: its time names the partition, so this reads one partition's index.
      queries.push(
        this.db.query(
          `SELECT ${CLICK_COLUMNS} FROM clicks
            WHERE app_id = $1 AND id = $2 AND ts BETWEEN $3::timestamptz - interval '1 second' AND $3::timestamptz + interval '1 second'`,
          [install.app_id, refId, refTime],
        ),
      );
    }
    const range = `ts <= $2::timestamptz + ${AFTER_INSTALL_SLACK} AND ts >= $2::timestamptz - $3::interval`;
    if (install.gaid) {
      queries.push(
        this.db.query(
          `SELECT ${CLICK_COLUMNS} FROM clicks WHERE app_id = $1 AND gaid = $4 AND ${range} ORDER BY ts DESC LIMIT ${TOUCH_LIMIT}`,
          [...window, install.gaid],
        ),
      );
    }
    if (install.idfa) {
      queries.push(
        this.db.query(
          `SELECT ${CLICK_COLUMNS} FROM clicks WHERE app_id = $1 AND idfa = $4 AND ${range} ORDER BY ts DESC LIMIT ${TOUCH_LIMIT}`,
          [...window, install.idfa],
        ),
      );
    }
    if (install.ip && install.ua_key) {
      queries.push(
        this.db.query(
          `SELECT ${CLICK_COLUMNS} FROM clicks
            WHERE app_id = $1 AND ip = $4::inet AND ua_key = $5 AND ${range} ORDER BY ts DESC LIMIT ${TOUCH_LIMIT}`,
          [...window, install.ip, install.ua_key],
        ),
      );
    }
    const byId = new Map<string, ClickRow>();
    for (const rows of await Promise.all(queries)) for (const r of rows) byId.set(r.id, r);
    return [...byId.values()];
  }

  private async priorInstall(install: InstallRow, reattributionDays: number) {
    const ids: [string, string | null][] = [
      ['gaid', install.gaid],
      ['idfa', install.idfa],
      ['idfv', install.idfv],
      ['android_id', install.android_id],
    ];
    const present = ids.filter(([, v]) => v !== null) as [string, string][];
    if (present.length === 0 || reattributionDays === 0) return undefined;
    const rows: { id: string; installed_at: Date }[] = await this.db.query(
      `SELECT id, installed_at FROM installs
        WHERE app_id = $1 AND id <> $2
          AND (installed_at, id) < ($3::timestamptz, $2::uuid)
          AND installed_at >= $3::timestamptz - make_interval(days => $4)
          AND (${present.map(([col], i) => `${col} = $${i + 5}`).join(' OR ')})
        ORDER BY installed_at DESC LIMIT 1`,
      [install.app_id, install.id, install.installed_at, reattributionDays, ...present.map(([, v]) => v)],
    );
    return rows[0] ? { id: rows[0].id, installedAt: rows[0].installed_at } : undefined;
  }

  /** The install postback, written to the outbox beside the decision; sent by the delivery processor. */
  private async owePostback(
    tx: EntityManager,
    install: InstallRow,
    decision: Decision,
    click: ClickRow | undefined,
  ): Promise<string | undefined> {
    const [target]: { network_id: string; install_postback_url: string | null }[] = await tx.query(
      `SELECT n.id AS network_id, n.install_postback_url
         FROM campaigns c JOIN networks n ON n.id = c.network_id WHERE c.id = $1`,
      [decision.campaignId],
    );
    if (!target?.install_postback_url) return undefined;
    const url = expandMacros(target.install_postback_url, {
      click_id: click?.network_click_id,
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
}
