import { PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { Platform } from '@app/database';
import { IsUrlTemplate } from '../common/url-template';

export class CreateAppDto {
  @IsString() @Length(1, 200) name!: string;
  @IsIn(['ios', 'android', 'web']) platform!: Platform;
  @IsString() @Length(1, 255) bundleId!: string;
  @IsOptional() @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) storeUrl?: string;
  /** Click-to-install times under this are rejected as click injection. */
  @IsOptional() @IsInt() @Min(0) @Max(86_400) minCtitSeconds?: number;
  @IsOptional() @IsInt() @Min(0) @Max(3650) reattributionDays?: number;
  /** Event names the pixel accepts; omit to accept any. */
  @IsOptional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  pixelEvents?: string[];
}

export class UpdateAppDto extends PartialType(CreateAppDto) {}
