import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '../common/pagination';
import { CampaignListQuery, CreateCampaignDto, UpdateCampaignDto } from './campaign.dto';
import { CampaignsService } from './campaigns.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post() create(@Body() dto: CreateCampaignDto) {
    return this.campaigns.create(dto);
  }

  @Get() list(@Query() query: CampaignListQuery) {
    return this.campaigns.list(query);
  }

  @Get(':id') get(@Param('id', uuidParam()) id: string) {
    return this.campaigns.get(id);
  }

  @Patch(':id') update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateCampaignDto) {
    return this.campaigns.update(id, dto);
  }

  @Delete(':id') archive(@Param('id', uuidParam()) id: string) {
    return this.campaigns.archive(id);
  }
}
