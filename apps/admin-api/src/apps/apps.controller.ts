import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ListQuery, uuidParam } from '../common/pagination';
import { CreateAppDto, UpdateAppDto } from './app.dto';
import { AppsService } from './apps.service';

@ApiTags('apps')
@ApiBearerAuth()
@Controller('v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post() create(@Body() dto: CreateAppDto) {
    return this.apps.create(dto);
  }

  @Get() list(@Query() query: ListQuery) {
    return this.apps.list(query);
  }

  @Get(':id') get(@Param('id', uuidParam()) id: string) {
    return this.apps.get(id);
  }

  @Patch(':id') update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateAppDto) {
    return this.apps.update(id, dto);
  }
}
