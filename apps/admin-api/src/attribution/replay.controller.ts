import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { ReplayDto, ReplayReportView, ReplayRunView, WindowOverridesDto } from './replay.dto';
import { ReplayService } from './replay.service';

@ApiTags('attribution')
@AdminApi()
@ApiExtraModels(WindowOverridesDto)
@Controller('v1/attribution/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  /**
   * Re-decides installs in a time range with current or overridden settings. A dry run (the default) answers 200
   * with what would move; `apply: true` answers 202 with the run to follow at `GET /v1/attribution/replay/{id}`.
   */
  @Post()
  @ApiOkResponse({ type: ReplayReportView, description: 'A dry run: what would move, nothing changed.' })
  @ApiAcceptedResponse({ type: ReplayRunView, description: '`apply: true`: the run, queued for the worker.' })
  @ApiErrors(400, 403, 404, 415)
  async run(@Body() dto: ReplayDto, @Scope() scope: AppScope, @Res({ passthrough: true }) reply: FastifyReply) {
    ensureVisible(scope, dto.appId, 'app', 'appId');
    const { accepted, body } = await this.replay.replay(dto);
    void reply.status(accepted ? 202 : 200);
    return body;
  }

  /** An applied run: `queued`, `running` (with `processed` so far), `done` (with `result`) or `failed` (with `error`). */
  @Get(':id')
  @ApiOkResponse({ type: ReplayRunView })
  @ApiErrors(400, 404)
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.replay.get(id, scope);
  }
}
