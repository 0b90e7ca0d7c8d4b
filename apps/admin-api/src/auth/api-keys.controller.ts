import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import type { ApiScope } from '@app/database';
import { IsText } from '../common/fields';
import { ApiKeysService } from './api-keys.service';
import { RequireScope } from './scopes';

export class CreateApiKeyDto {
  @IsText(1, 200) name!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(2) @ArrayUnique() @IsIn(['read', 'write'], { each: true }) scopes!: ApiScope[];
}

@ApiTags('api keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The key is in the answer once, in plain text; Lookback keeps only its hash. Owner only. */
  @Post()
  @RequireScope('owner')
  create(@Body() dto: CreateApiKeyDto) {
    return this.keys.create(dto.name, dto.scopes);
  }
}
