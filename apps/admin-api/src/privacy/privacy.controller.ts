import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsUUID, ValidateNested } from 'class-validator';
import { PrivacyRepository } from '@app/database';
import { invalid, normalizeDevice, type AppScope } from '@app/domain';
import { AppsService } from '../apps/apps.service';
import { AudiencesService } from '../audiences/audiences.service';
import { Scope } from '../auth/scopes';
import { IsText } from '../common/fields';
import { AdminApi, ApiErrors } from '../common/openapi';

export class ErasureDeviceDto {
  @ApiPropertyOptional() @IsOptional() @IsText(1, 100) gaid?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(1, 100) idfa?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(1, 100) idfv?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(1, 100) androidId?: string;
}

export class ErasureDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  @ApiPropertyOptional({ type: ErasureDeviceDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => ErasureDeviceDto) device?: ErasureDeviceDto;
  @ApiPropertyOptional({ description: "The app's own user id (the pixel's uid)." }) @IsOptional() @IsText(1, 256) customerUserId?: string;
}

export class ErasedCounts {
  @ApiProperty() clicks!: number;
  @ApiProperty() impressions!: number;
  @ApiProperty() installs!: number;
  @ApiProperty() events!: number;
  @ApiProperty({ description: 'Audience memberships ended (each with its exit webhook).' }) members!: number;
  @ApiProperty({ description: 'Postbacks and webhooks not yet sent that named the person, dropped.' }) deliveries!: number;
}

export class ErasureView {
  @ApiProperty({ type: ErasedCounts }) erased!: ErasedCounts;
  @ApiProperty({ description: 'Later data naming the person is answered as usual and not stored.' }) suppressed!: boolean;
}

@ApiTags('privacy')
@AdminApi()
@Controller('v1/privacy/erasure')
export class PrivacyController {
  constructor(
    private readonly privacy: PrivacyRepository,
    private readonly apps: AppsService,
    private readonly audiences: AudiencesService,
  ) {}

  /** Deletes the person's personal data everywhere, ends their audience memberships, and suppresses them. */
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: ErasureView })
  @ApiErrors([400, 'A bad field, or no device id nor customerUserId (`nothing_to_erase`).'], 403, [404, 'No such app (`appId`), or one outside the key.'], 415)
  async erase(@Body() dto: ErasureDto, @Scope() scope: AppScope) {
    const device = normalizeDevice(dto.device);
    if (Object.keys(device).length === 0 && !dto.customerUserId) {
      throw invalid('nothing_to_erase', 'Name the person: at least one device id or a customerUserId.', 'device');
    }
    const app = await this.apps.find(dto.appId, scope, 'appId');
    const exits = this.audiences.exitHook();
    const erased = await this.privacy.erase(app.id, { device, customerUserId: dto.customerUserId }, exits.hook);
    await exits.afterCommit();
    return { erased, suppressed: true };
  }
}
