import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { uuidParam } from '../common/pagination';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { PixelAdminService } from './pixel-admin.service';

@ApiTags('apps')
@ApiBearerAuth()
@Controller('v1/apps/:id/pixel')
export class PixelController {
  constructor(private readonly pixel: PixelAdminService) {}

  /** The `<img>` snippet to paste into a web page (no script). */
  @Get() snippet(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.pixel.snippet(id, scope);
  }

  /** Per event name: last fired, accepted hits in the last hour and day, rejected hits with their reasons. */
  @Get('health') health(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.pixel.health(id, scope);
  }
}
