import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import type { AppScope } from '@app/domain';
import { AppsService } from '../apps/apps.service';

interface Tally {
  lastHour: number;
  lastDay: number;
}

interface HitRow {
  event_name: string;
  outcome: 'accepted' | 'rejected';
  reason: string;
  last_hour: string;
  last_day: string;
  last_at: Date;
}

@Injectable()
export class PixelAdminService {
  constructor(
    private readonly apps: AppsService,
    private readonly db: DataSource,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async snippet(appId: string, scope: AppScope) {
    const app = await this.apps.find(appId, scope);
    const url = `${this.config.publicTrackingUrl}/p/${app.id}.gif`;
    const example = `${url}?e=EVENT_NAME&uid=USER_ID`;
    return {
      appId: app.id,
      url,
      // The full page URL reaches Lookback as the Referer only with this policy; or pass it as &url=.
      snippet: `<img src="${example}" width="1" height="1" alt="" style="display:none" referrerpolicy="no-referrer-when-downgrade">`,
      parameters: {
        e: 'event name (required), ^[A-Za-z0-9_.:-]{1,100}$',
        uid: 'your user id (optional)',
        v: 'revenue as a decimal, e.g. 19.90 (needs cur)',
        cur: 'ISO 4217 currency, e.g. EUR',
        eid: 'your event id; a repeated eid is counted once',
        lcid: 'the lookback_click_id your landing page received',
        url: 'the page URL (default: the Referer header)',
        ref: "the page's own referrer",
        ca: '0 when the visitor refused attribution',
        debug: '1 to get what Lookback understood in the X-Lookback-Debug header',
      },
      acceptedEvents: app.pixelEvents,
    };
  }

  async health(appId: string, scope: AppScope) {
    const app = await this.apps.find(appId, scope);
    const rows: HitRow[] = await this.db.query(
      `SELECT event_name, outcome, reason,
              coalesce(sum(hits) FILTER (WHERE minute >= now() - interval '1 hour'), 0)::text AS last_hour,
              coalesce(sum(hits) FILTER (WHERE minute >= now() - interval '1 day'), 0)::text AS last_day,
              max(last_at) AS last_at
         FROM pixel_hits WHERE app_id = $1
        GROUP BY event_name, outcome, reason`,
      [app.id],
    );
    const byName = new Map<
      string,
      { name: string; lastFiredAt: Date | null; accepted: Tally; rejected: Tally & { reasons: Record<string, Tally & { lastAt: Date }> } }
    >();
    for (const r of rows) {
      let e = byName.get(r.event_name);
      if (!e) {
        e = { name: r.event_name, lastFiredAt: null, accepted: { lastHour: 0, lastDay: 0 }, rejected: { lastHour: 0, lastDay: 0, reasons: {} } };
        byName.set(r.event_name, e);
      }
      const tally = { lastHour: Number(r.last_hour), lastDay: Number(r.last_day) };
      if (r.outcome === 'accepted') {
        e.accepted = tally;
        e.lastFiredAt = r.last_at;
      } else {
        e.rejected.lastHour += tally.lastHour;
        e.rejected.lastDay += tally.lastDay;
        e.rejected.reasons[r.reason] = { ...tally, lastAt: r.last_at };
      }
    }
    return {
      appId: app.id,
      acceptedEvents: app.pixelEvents,
      events: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}
