import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { CampaignReportQuery, CampaignReportView, CohortQuery, CohortReportView, CostsView, PutCostsDto } from './reports.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@AdminApi()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Touches, installs (rejected and organic apart), events, USD revenue, spend, eCPI, ROAS and conversion rate. */
  @Get('campaigns')
  @ApiOkResponse({ type: CampaignReportView })
  @ApiErrors([400, 'A bad field, `from` not before `to`, or more than 366 days.'], [404, 'No such app (`appId`), or one outside the key.'])
  campaigns(@Query() query: CampaignReportQuery, @Scope() scope: AppScope) {
    return this.reports.campaignReport(query, scope);
  }

  /** Cumulative revenue per install day and campaign at D0, D1, D7, D30 (or the `days` asked): the LTV curve. */
  @Get('cohorts')
  @ApiOkResponse({ type: CohortReportView })
  @ApiErrors([400, 'A bad field, `from` not before `to`, or more than 366 days.'], [404, 'No such app (`appId`), or one outside the key.'])
  cohorts(@Query() query: CohortQuery, @Scope() scope: AppScope) {
    return this.reports.cohorts(query, scope);
  }
}

@ApiTags('reports')
@AdminApi()
@Controller('v1/campaigns/:id/costs')
export class CostsController {
  constructor(private readonly reports: ReportsService) {}

  /** Imports daily costs in any currency the FX table knows; each day replaces installs × costPerInstall. */
  @Put()
  @ApiOkResponse({ type: CostsView })
  @ApiErrors([400, 'A bad day, amount or currency, or a currency without an FX rate (`unknown_rate`).'], 403, 404, 415)
  put(@Param('id', uuidParam()) id: string, @Body() dto: PutCostsDto, @Scope() scope: AppScope) {
    return this.reports.putCosts(id, dto, scope);
  }
}
