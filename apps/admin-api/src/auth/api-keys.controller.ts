import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';
import type { ApiScope } from '@app/database';
import { IsText } from '../common/fields';
import { AdminApi, ApiErrors } from '../common/openapi';
import { ListQuery, uuidParam } from '../common/pagination';
import { ApiKeysService } from './api-keys.service';
import { RequireScope, callerOf } from './scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'dashboard', minLength: 1, maxLength: 200 })
  @IsText(1, 200)
  name!: string;

  @ApiProperty({ enum: ['read', 'write'], isArray: true, example: ['read'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(2) @ArrayUnique() @IsIn(['read', 'write'], { each: true })
  scopes!: ApiScope[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Limits the key to these apps: every other app, and its data, is a 404 for it. Omit for every app.',
  })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique() @IsUUID('all', { each: true })
  appIds?: string[];
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['read', 'write', 'owner'], isArray: true }) scopes!: ApiScope[];
  @ApiProperty({ type: [String], nullable: true, description: '`null`: every app.' }) appIds!: string[] | null;
  @ApiProperty({ description: 'The first characters of the key, to tell keys apart. Never the key.' }) keyPrefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Accurate to about a minute.' }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class ApiKeyPage {
  @ApiProperty({ type: [ApiKeyView] }) items!: ApiKeyView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class CreatedApiKey {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['read', 'write'], isArray: true }) scopes!: ApiScope[];
  @ApiProperty({ type: [String], nullable: true }) appIds!: string[] | null;
  @ApiProperty({ description: 'The key in plain text, shown this once.', example: 'lbk_3q2…' }) key!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

@ApiTags('api keys')
@AdminApi()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key is in the answer once, in plain text; Lookback keeps only its hash. Owner only. */
  @Post()
  @RequireScope('owner')
  @ApiCreatedResponse({ type: CreatedApiKey })
  @ApiErrors(400, [403, 'Only an owner key manages keys.'], [404, 'An app in `appIds` does not exist.'], 415)
  create(@Body() dto: CreateApiKeyDto) {
    return this.keys.create(dto.name, dto.scopes, dto.appIds);
  }

  /** Every key with its scopes, apps and when it was last used; never the key or its hash. Owner only. */
  @Get()
  @RequireScope('owner')
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiErrors(400, [403, 'Only an owner key manages keys.'])
  list(@Query() query: ListQuery) {
    return this.keys.list(query);
  }

  /** Revokes at once, in every admin process (keys are not cached). Owner only. */
  @Delete(':id')
  @RequireScope('owner')
  @ApiOkResponse({ type: ApiKeyView, description: 'The revoked key (revoking twice answers the same).' })
  @ApiErrors(400, [403, 'Only an owner key manages keys.'], 404, [409, 'A key cannot revoke itself (`cannot_revoke_own_key`).'])
  revoke(@Param('id', uuidParam()) id: string, @Req() req: FastifyRequest) {
    return this.keys.revoke(id, callerOf(req)?.keyId);
  }
}
