import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { InstallEntity } from '@app/database';
import { canSee, notFound, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { InstallView } from './install.dto';

@ApiTags('installs')
@AdminApi()
@Controller('v1/installs')
export class InstallsController {
  constructor(@InjectRepository(InstallEntity) private readonly installs: Repository<InstallEntity>) {}

  /** The decision and why: `explanation.summary` in words, the rest in structure. */
  @Get(':id')
  @ApiOkResponse({ type: InstallView })
  @ApiErrors(400, 404)
  async get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    const i = await this.installs.findOne({ where: { id } });
    if (!i || !canSee(scope, i.appId)) throw notFound('install');
    return {
      id: i.id,
      appId: i.appId,
      installId: i.installId,
      installedAt: i.installedAt,
      receivedAt: i.receivedAt,
      status: i.status,
      campaignId: i.campaignId,
      matchType: i.matchType,
      clickId: i.touchKind === 'click' ? i.touchId : null,
      impressionId: i.touchKind === 'impression' ? i.touchId : null,
      ctitSeconds: i.ctitSeconds,
      decidedAt: i.decidedAt,
      explanation: i.explanation,
    };
  }
}
