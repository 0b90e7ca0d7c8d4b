import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import {
  AudienceListQuery,
  AudiencesPage,
  AudienceView,
  AudienceWithSecret,
  CreateAudienceDto,
  MembersPage,
  MembersQuery,
  PreviewAudienceDto,
  PreviewView,
  UpdateAudienceDto,
} from './audience.dto';
import { AudiencesService } from './audiences.service';

@ApiTags('audiences')
@AdminApi()
@ApiErrors(400)
@Controller('v1/audiences')
export class AudiencesController {
  constructor(private readonly audiences: AudiencesService) {}

  /** Creates the audience and fills it from history (see `backfill`); the answer holds its webhook secret, once. */
  @Post()
  @ApiCreatedResponse({ type: AudienceWithSecret })
  @ApiErrors(403, [404, 'No such app (`appId`), or one outside the key.'], 415)
  create(@Body() dto: CreateAudienceDto, @Scope() scope: AppScope) {
    return this.audiences.create(dto, scope);
  }

  /** The size the rule would have now and a sample of up to 20 members; nothing is stored. */
  @Post('preview')
  @HttpCode(200)
  @ApiOkResponse({ type: PreviewView })
  @ApiErrors(403, [404, 'No such app (`appId`), or one outside the key.'], 415)
  preview(@Body() dto: PreviewAudienceDto, @Scope() scope: AppScope) {
    return this.audiences.preview(dto, scope);
  }

  @Get()
  @ApiOkResponse({ type: AudiencesPage })
  @ApiErrors([404, "`appId` is outside the key's apps."])
  list(@Query() query: AudienceListQuery, @Scope() scope: AppScope) {
    return this.audiences.list(query, scope);
  }

  @Get(':id')
  @ApiOkResponse({ type: AudienceView })
  @ApiErrors(404)
  get(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.audiences.get(id, scope);
  }

  /** A new rule re-evaluates everyone (progress in `backfill`); entries and exits it causes are sent as usual. */
  @Patch(':id')
  @ApiOkResponse({ type: AudienceView })
  @ApiErrors(403, 404, 415)
  update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateAudienceDto, @Scope() scope: AppScope) {
    return this.audiences.update(id, dto, scope);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its members and unsent webhooks; no exit webhooks are sent.' })
  @ApiErrors(403, 404)
  async remove(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope): Promise<void> {
    await this.audiences.remove(id, scope);
  }

  /** Current members in a stable order, `nextCursor` for the next page. */
  @Get(':id/members')
  @ApiOkResponse({ type: MembersPage })
  @ApiErrors(404)
  members(@Param('id', uuidParam()) id: string, @Query() query: MembersQuery, @Scope() scope: AppScope) {
    return this.audiences.members(id, query, scope);
  }

  /** A new webhook secret; for 24 h webhooks carry a signature by each, so the partner can switch at its pace. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: AudienceWithSecret })
  @ApiErrors(403, 404)
  rotateSecret(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.audiences.rotateSecret(id, scope);
  }
}
