import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsISO8601, IsObject, IsOptional, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { FraudModesDto } from '../apps/app.dto';
import { Optional } from '../common/fields';

export class WindowOverridesDto {
  @Optional() @IsInt() @Min(0) @Max(2160) clickLookbackHours?: number;
  @Optional() @IsInt() @Min(0) @Max(720) viewLookbackHours?: number;
  @Optional() @IsInt() @Min(0) @Max(168) fingerprintLookbackHours?: number;
}

export class ReplayOverridesDto extends WindowOverridesDto {
  /** Windows for single campaigns, by campaign id; they beat the all-campaign values above. */
  @Optional() @IsObject() campaigns?: Record<string, WindowOverridesDto>;
  @Optional() @IsInt() @Min(0) @Max(86_400) minCtitSeconds?: number;
  @Optional() @IsInt() @Min(0) @Max(3650) reattributionDays?: number;
  @Optional() @IsInt() @Min(1) @Max(1_000_000) clickFloodThreshold?: number;
  @Optional() @IsObject() @ValidateNested() @Type(() => FraudModesDto) fraudModes?: FraudModesDto;
}

export class ReplayDto {
  @IsUUID() appId!: string;
  /** Installs whose installedAt is in [from, to). */
  @IsISO8601({ strict: true }) from!: string;
  @IsISO8601({ strict: true }) to!: string;
  @Optional() @IsObject() @ValidateNested() @Type(() => ReplayOverridesDto) overrides?: ReplayOverridesDto;
  /** false (default): a dry run that changes nothing. true: rewrite the decisions. */
  @Optional() @IsBoolean() apply?: boolean;
  /** With apply: also send the install postbacks newly owed (never a second one for the same install). */
  @Optional() @IsBoolean() sendOwedPostbacks?: boolean;
  @Optional() @IsInt() @Min(1) @Max(50_000) limit?: number;
}
