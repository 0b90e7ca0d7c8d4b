import { Controller, Get, Param } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '../common/pagination';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { PixelHealthView, PixelSnippetView, ReasonView } from './pixel.dto';
import { PixelAdminService } from './pixel-admin.service';

@ApiTags('apps')
@AdminApi()
@ApiExtraModels(ReasonView)
@Controller('v1/apps/:id/pixel')
export class PixelController {
  constructor(private readonly pixel: PixelAdminService) {}

  /** The `<img>` snippet to paste into a web page (no script). */
  @Get()
  @ApiOkResponse({ type: PixelSnippetView })
  @ApiErrors(400, 404)
  snippet(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.pixel.snippet(id, scope);
  }

  /** Per event name: last fired, accepted hits in the last hour and day, rejected hits with their reasons. */
  @Get('health')
  @ApiOkResponse({ type: PixelHealthView })
  @ApiErrors(400, 404)
  health(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.pixel.health(id, scope);
  }
}
