import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { AppEntity } from '@app/database';
import { DEFAULT_FRAUD_MODES, EVERY_APP, PIXEL_MONITOR_DEFAULTS, type PixelMonitorSettings, ensureVisible, newSecret, normalizeCidr, notFound, uuidv7, type AppScope } from '@app/domain';
import { refusePrivateAddresses } from '../common/outbound-url';
import { listPage, scopeWhere, type ListQuery } from '../common/pagination';
import { saveOrRefuse } from '../common/write-errors';
import type { CreateAppDto, PixelMonitorDto, UpdateAppDto } from './app.dto';

export function appView(a: AppEntity) {
  return {
    id: a.id,
    name: a.name,
    platform: a.platform,
    bundleId: a.bundleId,
    storeUrl: a.storeUrl,
    minCtitSeconds: a.minCtitSeconds,
    reattributionDays: a.reattributionDays,
    pixelEvents: a.pixelEvents,
    ipBlocklist: a.ipBlocklist,
    clickFloodThreshold: a.clickFloodThreshold,
    // Rules added since the app was stored show with their default.
    fraudModes: { ...DEFAULT_FRAUD_MODES, ...a.fraudModes },
    pixelMonitor: a.pixelMonitor ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

@Injectable()
export class AppsService {
  constructor(
    @InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** The pixel monitor's alerts are outbound calls: its webhook gets the postbacks' save-time address check. */
  private refusePrivate(dto: UpdateAppDto): void {
    refusePrivateAddresses(this.config.outboundAllowPrivate, { 'pixelMonitor.webhookUrl': dto.pixelMonitor?.webhookUrl });
  }

  /** The only answer that carries the SDK secret. */
  async create(dto: CreateAppDto) {
    this.refusePrivate(dto);
    const app = await saveOrRefuse(
      this.apps,
      this.apps.create({
        ...dto,
        id: uuidv7(),
        sdkSecret: newSecret('sdk'),
        storeUrl: dto.storeUrl ?? null,
        pixelEvents: dto.pixelEvents ?? null,
        ipBlocklist: (dto.ipBlocklist ?? []).map((c) => normalizeCidr(c)!),
        fraudModes: { ...DEFAULT_FRAUD_MODES, ...given(dto.fraudModes) },
        pixelMonitor: monitorSettings(dto.pixelMonitor),
      }),
    );
    return { ...appView(app), sdkSecret: app.sdkSecret };
  }

  list(query: ListQuery, scope: AppScope) {
    return listPage(this.apps, query, scopeWhere(scope, 'id'), appView);
  }

  async get(id: string, scope: AppScope) {
    return appView(await this.find(id, scope));
  }

  async update(id: string, dto: UpdateAppDto, scope: AppScope) {
    const app = await this.find(id, scope);
    this.refusePrivate(dto);
    const { ipBlocklist, fraudModes, pixelMonitor, ...rest } = dto;
    this.apps.merge(app, rest);
    if (pixelMonitor !== undefined) app.pixelMonitor = monitorSettings(pixelMonitor);
    if (ipBlocklist) app.ipBlocklist = ipBlocklist.map((c) => normalizeCidr(c)!);
    if (fraudModes) app.fraudModes = { ...DEFAULT_FRAUD_MODES, ...app.fraudModes, ...given(fraudModes) };
    return appView(await saveOrRefuse(this.apps, app));
  }

  /** The app, if it exists and the scope may see it; otherwise `app_not_found` (naming `field` if given). */
  async find(id: string, scope: AppScope = EVERY_APP, field?: string): Promise<AppEntity> {
    ensureVisible(scope, id, 'app', field);
    const app = await this.apps.findOne({ where: { id } });
    if (!app) throw notFound('app', field);
    return app;
  }
}

function monitorSettings(dto: PixelMonitorDto | null | undefined): PixelMonitorSettings | null {
  if (!dto) return null;
  return {
    webhookUrl: dto.webhookUrl,
    events: dto.events,
    silentAfterMinutes: dto.silentAfterMinutes ?? PIXEL_MONITOR_DEFAULTS.silentAfterMinutes,
    rejectedPercent: dto.rejectedPercent ?? PIXEL_MONITOR_DEFAULTS.rejectedPercent,
  };
}

/** Only the keys a client sent: validated DTO instances carry the others as `undefined`, which must not override. */
function given<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
