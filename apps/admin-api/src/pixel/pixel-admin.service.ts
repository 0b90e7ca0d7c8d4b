import { Inject, Injectable } from '@nestjs/common';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { PixelRepository } from '@app/database';
import { SNIPPET_PLACEHOLDERS, type AppScope, type PixelState } from '@app/domain';
import { pixelSnippets } from './snippets';
import { AppsService } from '../apps/apps.service';

interface Tally {
  lastHour: number;
  lastDay: number;
}

type Reasons = Record<string, Tally & { lastAt: Date }>;

interface EventHealth {
  name: string;
  lastFiredAt: Date | null;
  accepted: Tally;
  rejected: Tally & { reasons: Reasons };
  /** `test=1` hits, valid (`accepted`) or not (by reason): never events, never in reports. */
  test: Tally & { lastAt: Date | null; accepted: number; reasons: Reasons };
  /** For an event the pixel monitor watches: its judged state, since when, and why; null when not watched. */
  monitor: { state: PixelState; since: Date | null; detail: string } | null;
}

const emptyHealth = (name: string): EventHealth => ({
  name,
  lastFiredAt: null,
  accepted: { lastHour: 0, lastDay: 0 },
  rejected: { lastHour: 0, lastDay: 0, reasons: {} },
  test: { lastHour: 0, lastDay: 0, lastAt: null, accepted: 0, reasons: {} },
  monitor: null,
});

@Injectable()
export class PixelAdminService {
  constructor(
    private readonly apps: AppsService,
    private readonly pixel: PixelRepository,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  async snippet(appId: string, scope: AppScope) {
    const app = await this.apps.find(appId, scope);
    const snippets = pixelSnippets(this.config.publicTrackingUrl, app);
    return {
      appId: app.id,
      ...snippets,
      img: snippets.snippet,
      placeholders: SNIPPET_PLACEHOLDERS,
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
        test: '1 for a test hit: checked and shown in health, never stored nor counted in reports',
        debug: '1 to get what Lookback understood in the X-Lookback-Debug header',
      },
      acceptedEvents: app.pixelEvents,
    };
  }

  async health(appId: string, scope: AppScope) {
    const app = await this.apps.find(appId, scope);
    const rows = await this.pixel.hitTotals(app.id);
    const byName = new Map<string, EventHealth>();
    for (const r of rows) {
      let e = byName.get(r.event_name);
      if (!e) {
        e = emptyHealth(r.event_name);
        byName.set(r.event_name, e);
      }
      const tally = { lastHour: Number(r.last_hour), lastDay: Number(r.last_day) };
      if (r.outcome === 'accepted') {
        e.accepted = tally;
        e.lastFiredAt = r.last_at;
      } else if (r.outcome === 'test') {
        e.test.lastHour += tally.lastHour;
        e.test.lastDay += tally.lastDay;
        if (!e.test.lastAt || r.last_at > e.test.lastAt) e.test.lastAt = r.last_at;
        if (r.reason === '') e.test.accepted += tally.lastDay;
        else e.test.reasons[r.reason] = { ...tally, lastAt: r.last_at };
      } else {
        e.rejected.lastHour += tally.lastHour;
        e.rejected.lastDay += tally.lastDay;
        e.rejected.reasons[r.reason] = { ...tally, lastAt: r.last_at };
      }
    }
    // Watched events show up even before their first hit; one not judged yet counts as firing (the watch just began).
    const judged = new Map((await this.pixel.monitorStates(app.id)).map((m) => [m.event_name, m]));
    for (const name of app.pixelMonitor?.events ?? []) {
      const e = byName.get(name) ?? emptyHealth(name);
      byName.set(name, e);
      const j = judged.get(name);
      e.monitor = j ? { state: j.state, since: j.since, detail: j.detail } : { state: 'firing', since: null, detail: 'not judged yet' };
    }
    return {
      appId: app.id,
      acceptedEvents: app.pixelEvents,
      pixelMonitor: app.pixelMonitor,
      events: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}
