import { OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { ListQuery } from '../common/pagination';
import { IsUrlTemplate } from '../common/url-template';

export class CreateCampaignDto {
  @IsUUID() appId!: string;
  @IsUUID() networkId!: string;
  @IsString() @Length(1, 200) name!: string;
  /** Where a click is sent; {lookback_click_id}, {click_id} and {campaign_id} are filled in. */
  @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) destinationUrl!: string;
  @IsOptional() @IsIn(['active', 'paused']) status?: 'active' | 'paused';
  @IsOptional() @IsInt() @Min(0) @Max(2160) clickLookbackHours?: number;
  @IsOptional() @IsInt() @Min(0) @Max(720) viewLookbackHours?: number;
  @IsOptional() @IsInt() @Min(0) @Max(168) fingerprintLookbackHours?: number;
  /** In US dollars, at most 4 decimals. */
  @IsOptional() @IsNumber({ maxDecimalPlaces: 4, allowNaN: false, allowInfinity: false }) @Min(0) @Max(1_000_000)
  costPerInstall?: number;
}

export class UpdateCampaignDto extends PartialType(OmitType(CreateCampaignDto, ['appId', 'networkId'] as const)) {}

export class CampaignListQuery extends ListQuery {
  @IsOptional() @IsUUID() appId?: string;
}
