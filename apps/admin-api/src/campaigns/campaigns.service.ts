import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { CampaignEntity } from '@app/database';
import { EVERY_APP, LookbackError, canSee, ensureVisible, notFound, uuidv7, type AppScope } from '@app/domain';
import { AppsService } from '../apps/apps.service';
import { listPage, scopeWhere } from '../common/pagination';
import { saveOrRefuse } from '../common/write-errors';
import { NetworksService } from '../networks/networks.service';
import type { CampaignListQuery, CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';

@Injectable()
export class CampaignsService {
  constructor(
    @InjectRepository(CampaignEntity) private readonly campaigns: Repository<CampaignEntity>,
    private readonly apps: AppsService,
    private readonly networks: NetworksService,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  private view = (c: CampaignEntity) => ({
    id: c.id,
    appId: c.appId,
    networkId: c.networkId,
    name: c.name,
    destinationUrl: c.destinationUrl,
    status: c.status,
    clickLookbackHours: c.clickLookbackHours,
    viewLookbackHours: c.viewLookbackHours,
    fingerprintLookbackHours: c.fingerprintLookbackHours,
    costPerInstall: c.costPerInstall === null ? null : Number(c.costPerInstall),
    trackingUrl: `${this.config.publicTrackingUrl}/c/${c.id}`,
    impressionUrl: `${this.config.publicTrackingUrl}/i/${c.id}`,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  });

  async create(dto: CreateCampaignDto, scope: AppScope) {
    await this.apps.find(dto.appId, scope, 'appId');
    await this.networks.find(dto.networkId, 'networkId');
    const campaign = this.campaigns.create({
      ...dto,
      id: uuidv7(),
      status: dto.status ?? 'active',
      costPerInstall: dto.costPerInstall == null ? null : dto.costPerInstall.toFixed(4),
    });
    return this.view(await saveOrRefuse(this.campaigns, campaign));
  }

  async list(query: CampaignListQuery, scope: AppScope) {
    if (query.appId) ensureVisible(scope, query.appId, 'app', 'appId');
    return listPage(this.campaigns, query, query.appId ? { appId: query.appId } : scopeWhere(scope), this.view);
  }

  async get(id: string, scope: AppScope) {
    return this.view(await this.find(id, scope));
  }

  async update(id: string, dto: UpdateCampaignDto, scope: AppScope) {
    const campaign = await this.find(id, scope);
    if (campaign.status === 'archived') {
      throw new LookbackError('conflict', 'campaign_archived', 'An archived campaign cannot be changed; create a new one.');
    }
    const { costPerInstall, ...rest } = dto;
    this.campaigns.merge(campaign, rest);
    if (costPerInstall !== undefined) campaign.costPerInstall = costPerInstall === null ? null : costPerInstall.toFixed(4);
    return this.view(await saveOrRefuse(this.campaigns, campaign));
  }

  /** Archived, not deleted: its clicks and installs keep pointing at it, and its links answer 404. */
  async archive(id: string, scope: AppScope) {
    const campaign = await this.find(id, scope);
    campaign.status = 'archived';
    return this.view(await this.campaigns.save(campaign));
  }

  /** A campaign of an app outside the scope is answered as missing. */
  async find(id: string, scope: AppScope = EVERY_APP): Promise<CampaignEntity> {
    const campaign = await this.campaigns.findOne({ where: { id } });
    if (!campaign || !canSee(scope, campaign.appId)) throw notFound('campaign');
    return campaign;
  }
}
