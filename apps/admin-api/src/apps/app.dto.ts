import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import { normalizeCidr, type FraudMode } from '@app/domain';
import type { Platform } from '@app/database';
import { IsText, Optional } from '../common/fields';
import { IsUrlTemplate } from '../common/url-template';

const MODES: FraudMode[] = ['enforce', 'shadow', 'off'];

const IsCidrText = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isCidr',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && normalizeCidr(value) !== undefined,
        defaultMessage: () => '$property must hold IP addresses or CIDR ranges such as 203.0.113.0/24',
      },
    },
    options,
  );

export class FraudModesDto {
  @Optional() @IsIn(MODES) clickInjection?: FraudMode;
  @Optional() @IsIn(MODES) clickFlooding?: FraudMode;
  @Optional() @IsIn(MODES) ipBlocklist?: FraudMode;
  /** A device-id or fingerprint click from an address that clicked for over 500 devices cannot win. */
  @Optional() @IsIn(MODES) clickSpam?: FraudMode;
  /** Behind an address 10+ other installs came from, a fingerprint needs a click from the last hour. */
  @Optional() @IsIn(MODES) sharedIp?: FraudMode;
  /** A fingerprint click that already won an install cannot win another. */
  @Optional() @IsIn(MODES) touchConsumed?: FraudMode;
}

export class PixelMonitorDto {
  /** Receives a signed POST `{appId, event, kind: silent|rejecting|recovered, since, detail}`. */
  @IsUrlTemplate(['http', 'https']) webhookUrl!: string;
  /** The pixel events to watch. */
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  events!: string[];
  /** An event with no accepted hit for this long is silent (default 60). */
  @Optional() @IsInt() @Min(1) @Max(10_080) silentAfterMinutes?: number;
  /** More than this share of rejected hits over 15 minutes (with at least 20 hits) is rejecting (default 20). */
  @Optional() @IsInt() @Min(1) @Max(100) rejectedPercent?: number;
}

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
  /** Clicks and impressions from these CIDRs (or single addresses) never win attribution. */
  @Optional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @IsCidrText({ each: true })
  ipBlocklist?: string[];
  /** More clicks than this from one IP or device inside the fingerprint window: it cannot win on fingerprint. */
  @Optional() @IsInt() @Min(1) @Max(1_000_000) clickFloodThreshold?: number;
  /** Per fraud rule: `enforce`, `shadow` (record what it would do, decide as if off) or `off`. */
  @Optional() @IsObject() @ValidateNested() @Type(() => FraudModesDto) fraudModes?: FraudModesDto;
  /** Alerts when a watched pixel event goes silent or is rejected, and when it recovers; `null` turns it off. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PixelMonitorDto) pixelMonitor?: PixelMonitorDto | null;
}

export class UpdateAppDto extends PartialType(CreateAppDto, { skipNullProperties: false }) {}
