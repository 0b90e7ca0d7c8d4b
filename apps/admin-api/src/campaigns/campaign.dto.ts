import { OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsText, MaxDecimals, Optional } from '../common/fields';
import { ListQuery } from '../common/pagination';
import { IsUrlTemplate } from '../common/url-template';

export class CreateCampaignDto {
  @IsUUID() appId!: string;
  @IsUUID() networkId!: string;
  @IsText(1, 200) name!: string;
  /** Where a click is sent; {lookback_click_id}, {click_id} and {campaign_id} are filled in. */
  @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) destinationUrl!: string;
  @Optional() @IsIn(['active', 'paused']) status?: 'active' | 'paused';
  @Optional() @IsInt() @Min(0) @Max(2160) clickLookbackHours?: number;
  @Optional() @IsInt() @Min(0) @Max(720) viewLookbackHours?: number;
  @Optional() @IsInt() @Min(0) @Max(168) fingerprintLookbackHours?: number;
  /** In US dollars, at most 4 decimals; `null` clears it. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @MaxDecimals(4) @Min(0) @Max(1_000_000)
  costPerInstall?: number | null;
}

export class UpdateCampaignDto extends PartialType(OmitType(CreateCampaignDto, ['appId', 'networkId'] as const), {
  skipNullProperties: false,
}) {}

export class CampaignListQuery extends ListQuery {
  @IsOptional() @IsUUID() appId?: string;
}
