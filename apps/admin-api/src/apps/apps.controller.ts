import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { EveryAppOnly, Scope } from '../auth/scopes';
import { ListQuery, uuidParam } from '../common/pagination';
import { CreateAppDto, UpdateAppDto } from './app.dto';
import { AppsService } from './apps.service';

@ApiTags('apps')
@ApiBearerAuth()
@Controller('v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  /** A key limited to some apps cannot add one: it could not see it. */
  @Post() @EveryAppOnly() create(@Body() dto: CreateAppDto) {
    return this.apps.create(dto);
  }

  @Get() list(@Query() query: ListQuery, @Scope() scope: AppScope) {
    return this.apps.list(query, scope);
  }

  @Get(':id') get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.apps.get(id, scope);
  }

  @Patch(':id') update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateAppDto, @Scope() scope: AppScope) {
    return this.apps.update(id, dto, scope);
  }
}
