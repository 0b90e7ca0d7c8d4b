import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { uuidParam } from '../common/pagination';
import { CampaignListQuery, CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';
import { CampaignsService } from './campaigns.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post() create(@Body() dto: CreateCampaignDto, @Scope() scope: AppScope) {
    return this.campaigns.create(dto, scope);
  }

  @Get() list(@Query() query: CampaignListQuery, @Scope() scope: AppScope) {
    return this.campaigns.list(query, scope);
  }

  @Get(':id') get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.campaigns.get(id, scope);
  }

  @Patch(':id') update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateCampaignDto, @Scope() scope: AppScope) {
    return this.campaigns.update(id, dto, scope);
  }

  @Delete(':id') archive(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.campaigns.archive(id, scope);
  }
}
