import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { ReplayDto } from './replay.dto';
import { ReplayService } from './replay.service';

@ApiTags('attribution')
@ApiBearerAuth()
@Controller('v1/attribution/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  /** Re-decides installs in a time range with current or overridden settings; a dry run unless `apply: true`. */
  @Post()
  @HttpCode(200)
  run(@Body() dto: ReplayDto, @Scope() scope: AppScope) {
    ensureVisible(scope, dto.appId, 'app', 'appId');
    return this.replay.replay(dto);
  }
}
