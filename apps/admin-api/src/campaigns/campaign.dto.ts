import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsText, MaxDecimals, Optional } from '../common/fields';
import { ListQuery } from '../common/pagination';
import { IsUrlTemplate } from '../common/url-template';

export class CreateCampaignDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() networkId!: string;
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Winter' }) @IsText(1, 200) name!: string;
  /** Where a click is sent; {lookback_click_id}, {click_id} and {campaign_id} are filled in. */
  @ApiProperty({
    example: 'https://play.google.com/store/apps/details?id=com.example.gems&referrer=lookback_click_id%3D{lookback_click_id}',
    description: 'Where a click is sent; `{lookback_click_id}`, `{click_id}` and `{campaign_id}` are filled in.',
  })
  @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) destinationUrl!: string;
  @ApiPropertyOptional({ enum: ['active', 'paused'], default: 'active' }) @Optional() @IsIn(['active', 'paused']) status?: 'active' | 'paused';
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 2160, default: 168 }) @Optional() @IsInt() @Min(0) @Max(2160) clickLookbackHours?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 720, default: 24 }) @Optional() @IsInt() @Min(0) @Max(720) viewLookbackHours?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 168, default: 24, description: '0 turns fingerprint matching off.' })
  @Optional() @IsInt() @Min(0) @Max(168) fingerprintLookbackHours?: number;
  /** In US dollars, at most 4 decimals; `null` clears it. */
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1_000_000, example: 1.25, description: 'In US dollars, at most 4 decimals; `null` clears it.' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @MaxDecimals(4) @Min(0) @Max(1_000_000)
  costPerInstall?: number | null;
}

export class UpdateCampaignDto extends PartialType(OmitType(CreateCampaignDto, ['appId', 'networkId'] as const), {
  skipNullProperties: false,
}) {}

export class CampaignListQuery extends ListQuery {
  @ApiPropertyOptional({ type: String, format: 'uuid', description: "Only this app's campaigns." }) @IsOptional() @IsUUID() appId?: string;
}

export class CampaignView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ format: 'uuid' }) networkId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() destinationUrl!: string;
  @ApiProperty({ enum: ['active', 'paused', 'archived'] }) status!: 'active' | 'paused' | 'archived';
  @ApiProperty() clickLookbackHours!: number;
  @ApiProperty() viewLookbackHours!: number;
  @ApiProperty() fingerprintLookbackHours!: number;
  @ApiProperty({ type: Number, nullable: true }) costPerInstall!: number | null;
  @ApiProperty({ example: 'https://track.example.com/c/0190f5c4-0000-7000-8000-000000000002', description: 'The click link to hand the network.' })
  trackingUrl!: string;
  @ApiProperty({ example: 'https://track.example.com/i/0190f5c4-0000-7000-8000-000000000002', description: 'The impression pixel.' })
  impressionUrl!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class CampaignsPage {
  @ApiProperty({ type: [CampaignView] }) items!: CampaignView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
