import { PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Platform } from '@app/database';
import { IsText, Optional } from '../common/fields';
import { IsUrlTemplate } from '../common/url-template';

export class CreateAppDto {
  @IsText(1, 200) name!: string;
  @IsIn(['ios', 'android', 'web']) platform!: Platform;
  @IsText(1, 255) bundleId!: string;
  /** `null` clears it. */
  @IsOptional() @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) storeUrl?: string | null;
  /** Click-to-install times under this are rejected as click injection. */
  @Optional() @IsInt() @Min(0) @Max(86_400) minCtitSeconds?: number;
  @Optional() @IsInt() @Min(0) @Max(3650) reattributionDays?: number;
  /** Event names the pixel accepts; omit (or `null`) to accept any. */
  @IsOptional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  pixelEvents?: string[] | null;
}

export class UpdateAppDto extends PartialType(CreateAppDto, { skipNullProperties: false }) {}
