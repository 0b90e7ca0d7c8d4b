import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  run(@Body() dto: ReplayDto) {
    return this.replay.replay(dto);
  }
}
