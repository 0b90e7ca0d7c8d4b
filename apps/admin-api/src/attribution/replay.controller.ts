import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { uuidParam } from '../common/pagination';
import { ReplayDto } from './replay.dto';
import { ReplayService } from './replay.service';

@ApiTags('attribution')
@ApiBearerAuth()
@Controller('v1/attribution/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  /**
   * Re-decides installs in a time range with current or overridden settings. A dry run (the default) answers 200
   * with what would move; `apply: true` answers 202 with the run to follow at `GET /v1/attribution/replay/{id}`.
   */
  @Post()
  async run(@Body() dto: ReplayDto, @Scope() scope: AppScope, @Res({ passthrough: true }) reply: FastifyReply) {
    ensureVisible(scope, dto.appId, 'app', 'appId');
    const { accepted, body } = await this.replay.replay(dto);
    void reply.status(accepted ? 202 : 200);
    return body;
  }

  /** An applied run: `queued`, `running` (with `processed` so far), `done` (with `result`) or `failed` (with `error`). */
  @Get(':id')
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.replay.get(id, scope);
  }
}
