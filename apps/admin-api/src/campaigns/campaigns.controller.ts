import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { CampaignListQuery, CampaignView, CampaignsPage, CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';
import { CampaignsService } from './campaigns.service';

@ApiTags('campaigns')
@AdminApi()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @ApiCreatedResponse({ type: CampaignView })
  @ApiErrors(400, 403, [404, 'The app (`appId`) or network (`networkId`) does not exist.'], [409, 'A value that must be unique already exists.'], 415)
  create(@Body() dto: CreateCampaignDto, @Scope() scope: AppScope) {
    return this.campaigns.create(dto, scope);
  }

  @Get()
  @ApiOkResponse({ type: CampaignsPage })
  @ApiErrors(400, [404, "`appId` is outside the key's apps."])
  list(@Query() query: CampaignListQuery, @Scope() scope: AppScope) {
    return this.campaigns.list(query, scope);
  }

  @Get(':id')
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors(400, 404)
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.campaigns.get(id, scope);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors(400, 403, 404, [409, 'The campaign is archived (`campaign_archived`).'], 415)
  update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateCampaignDto, @Scope() scope: AppScope) {
    return this.campaigns.update(id, dto, scope);
  }

  /** Archives: the campaign's links answer 404 from now on, its data stays. */
  @Delete(':id')
  @ApiOkResponse({ type: CampaignView, description: 'The archived campaign.' })
  @ApiErrors(400, 403, 404)
  archive(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.campaigns.archive(id, scope);
  }
}
