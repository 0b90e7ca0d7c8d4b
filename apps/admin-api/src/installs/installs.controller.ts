import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { InstallView } from './install.dto';
import { InstallsService } from './installs.service';

@ApiTags('installs')
@AdminApi()
@Controller('v1/installs')
export class InstallsController {
  constructor(private readonly installs: InstallsService) {}

  /** The decision and why: `explanation.summary` in words, the rest in structure. */
  @Get(':id')
  @ApiOkResponse({ type: InstallView })
  @ApiErrors(400, 404)
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.installs.get(id, scope);
  }
}
