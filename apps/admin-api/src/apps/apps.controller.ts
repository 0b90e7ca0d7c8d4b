import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { EveryAppOnly, Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { ListQuery, uuidParam } from '../common/pagination';
import { AppView, AppWithSecret, AppsPage, CreateAppDto, UpdateAppDto } from './app.dto';
import { AppsService } from './apps.service';

@ApiTags('apps')
@AdminApi()
@Controller('v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  /** A key limited to some apps cannot add one: it could not see it. */
  @Post()
  @ApiCreatedResponse({ type: AppWithSecret })
  @ApiErrors(400, 403, 415)
  @EveryAppOnly()
  create(@Body() dto: CreateAppDto) {
    return this.apps.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: AppsPage })
  @ApiErrors(400)
  list(@Query() query: ListQuery, @Scope() scope: AppScope) {
    return this.apps.list(query, scope);
  }

  @Get(':id')
  @ApiOkResponse({ type: AppView })
  @ApiErrors(400, 404)
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.apps.get(id, scope);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AppView })
  @ApiErrors(400, 403, 404, 415)
  update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateAppDto, @Scope() scope: AppScope) {
    return this.apps.update(id, dto, scope);
  }
}
