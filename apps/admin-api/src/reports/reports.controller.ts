import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { CampaignReportQuery } from './reports.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Rows {date, campaignId, clicks, impressions, installs, rejected, organic, events, revenueUsd, spend, roas}. */
  @Get('campaigns')
  campaigns(@Query() query: CampaignReportQuery, @Scope() scope: AppScope) {
    ensureVisible(scope, query.appId, 'app', 'appId');
    return this.reports.campaigns(query);
  }
}
