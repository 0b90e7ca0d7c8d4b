import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CampaignReportQuery } from './reports.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Rows {date, campaignId, clicks, impressions, installs, rejected, organic, events, revenueUsd, spend, roas}. */
  @Get('campaigns')
  campaigns(@Query() query: CampaignReportQuery) {
    return this.reports.campaigns(query);
  }
}
