import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
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

const EVENT_NAME_DOC = { pattern: '^[A-Za-z0-9_.:-]{1,100}$', example: 'purchase' };

export class FraudModesDto {
  @ApiPropertyOptional({ enum: MODES, description: 'Click-to-install time under `minCtitSeconds`.' }) @Optional() @IsIn(MODES) clickInjection?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'More clicks than `clickFloodThreshold` from one IP or device.' }) @Optional() @IsIn(MODES) clickFlooding?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'Touches from `ipBlocklist`.' }) @Optional() @IsIn(MODES) ipBlocklist?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'A device-id or fingerprint click from an address that clicked for over 500 devices cannot win.' })
  @Optional() @IsIn(MODES) clickSpam?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'Behind an address 10+ other installs came from, a fingerprint needs a click from the last hour.' })
  @Optional() @IsIn(MODES) sharedIp?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'A fingerprint click that already won an install cannot win another.' })
  @Optional() @IsIn(MODES) touchConsumed?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'A device-id or fingerprint click of a source (campaign × site_id) with 1,000+ clicks in the window, under 0.2% of them matching an install, cannot win.' })
  @Optional() @IsIn(MODES) sourceConversion?: FraudMode;
  @ApiPropertyOptional({ enum: MODES, description: 'A device-id or fingerprint click of a source with 30+ matched installs in the window, 30%+ of them under a minute after the click or under 10% within an hour, cannot win.' })
  @Optional() @IsIn(MODES) sourceCtit?: FraudMode;
}

export class PixelMonitorDto {
  /** Receives a signed POST `{appId, event, kind: silent|rejecting|recovered, since, detail}`. */
  @ApiProperty({ example: 'https://alerts.example.com/lookback', description: 'Receives a signed POST `{appId, event, kind: silent|rejecting|recovered, since, detail}`.' })
  @IsUrlTemplate(['http', 'https']) webhookUrl!: string;
  /** The pixel events to watch. */
  @ApiProperty({ type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', ...EVENT_NAME_DOC }, description: 'The pixel events to watch.' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  events!: string[];
  /** An event with no accepted hit for this long is silent (default 60). */
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 10_080, default: 60, description: 'An event with no accepted hit for this long is silent.' })
  @Optional() @IsInt() @Min(1) @Max(10_080) silentAfterMinutes?: number;
  /** More than this share of rejected hits over 15 minutes (with at least 20 hits) is rejecting (default 20). */
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 100, default: 20, description: 'More than this share (%) of rejected hits over 15 minutes, with at least 20 hits, is rejecting.' })
  @Optional() @IsInt() @Min(1) @Max(100) rejectedPercent?: number;
}

export class CreateAppDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Gems' }) @IsText(1, 200) name!: string;
  @ApiProperty({ enum: ['ios', 'android', 'web'] }) @IsIn(['ios', 'android', 'web']) platform!: Platform;
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'com.example.gems' }) @IsText(1, 255) bundleId!: string;
  /** `null` clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://play.google.com/store/apps/details?id=com.example.gems', description: 'http(s), market: or itms-apps:; `null` clears it.' })
  @IsOptional() @IsUrlTemplate(['http', 'https', 'market', 'itms-apps']) storeUrl?: string | null;
  /** Click-to-install times under this are rejected as click injection. */
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 86_400, default: 10, description: 'Click-to-install times under this are rejected as click injection.' })
  @Optional() @IsInt() @Min(0) @Max(86_400) minCtitSeconds?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 3650, default: 90, description: 'A device that installed inside this many days is a reinstall.' })
  @Optional() @IsInt() @Min(0) @Max(3650) reattributionDays?: number;
  /** Event names the pixel accepts; omit (or `null`) to accept any. */
  @ApiPropertyOptional({ type: 'array', nullable: true, maxItems: 200, uniqueItems: true, items: { type: 'string', ...EVENT_NAME_DOC }, description: 'Event names the pixel accepts; omit (or `null`) to accept any.' })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  pixelEvents?: string[] | null;
  /** Clicks and impressions from these CIDRs (or single addresses) never win attribution. */
  @ApiPropertyOptional({ type: String, isArray: true, maxItems: 1000, example: ['203.0.113.0/24'], description: 'Clicks and impressions from these CIDRs (or single addresses) never win attribution.' })
  @Optional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @IsCidrText({ each: true })
  ipBlocklist?: string[];
  /** More clicks than this from one IP or device inside the fingerprint window: it cannot win on fingerprint. */
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 1_000_000, description: 'More clicks than this from one IP or device inside the fingerprint window: it cannot win on fingerprint.' })
  @Optional() @IsInt() @Min(1) @Max(1_000_000) clickFloodThreshold?: number;
  /** Per fraud rule: `enforce`, `shadow` (record what it would do, decide as if off) or `off`. */
  @ApiPropertyOptional({ type: FraudModesDto, description: 'Per fraud rule: `enforce`, `shadow` (record what it would do, decide as if off) or `off`.' })
  @Optional() @IsObject() @ValidateNested() @Type(() => FraudModesDto) fraudModes?: FraudModesDto;
  /** Alerts when a watched pixel event goes silent or is rejected, and when it recovers; `null` turns it off. */
  @ApiPropertyOptional({ type: PixelMonitorDto, nullable: true, description: 'Alerts when a watched pixel event goes silent or is rejected, and when it recovers; `null` turns it off.' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PixelMonitorDto) pixelMonitor?: PixelMonitorDto | null;
}

export class UpdateAppDto extends PartialType(CreateAppDto, { skipNullProperties: false }) {}

export class FraudModesView {
  @ApiProperty({ enum: MODES }) clickInjection!: FraudMode;
  @ApiProperty({ enum: MODES }) clickFlooding!: FraudMode;
  @ApiProperty({ enum: MODES }) ipBlocklist!: FraudMode;
  @ApiProperty({ enum: MODES }) clickSpam!: FraudMode;
  @ApiProperty({ enum: MODES }) sharedIp!: FraudMode;
  @ApiProperty({ enum: MODES }) touchConsumed!: FraudMode;
  @ApiProperty({ enum: MODES }) sourceConversion!: FraudMode;
  @ApiProperty({ enum: MODES }) sourceCtit!: FraudMode;
}

export class PixelMonitorView {
  @ApiProperty() webhookUrl!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty() silentAfterMinutes!: number;
  @ApiProperty() rejectedPercent!: number;
}

export class AppView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['ios', 'android', 'web'] }) platform!: Platform;
  @ApiProperty() bundleId!: string;
  @ApiProperty({ type: String, nullable: true }) storeUrl!: string | null;
  @ApiProperty() minCtitSeconds!: number;
  @ApiProperty() reattributionDays!: number;
  @ApiProperty({ type: [String], nullable: true, description: '`null`: the pixel accepts any event name.' }) pixelEvents!: string[] | null;
  @ApiProperty({ type: [String], description: 'Normalized CIDRs.' }) ipBlocklist!: string[];
  @ApiProperty() clickFloodThreshold!: number;
  @ApiProperty({ type: FraudModesView }) fraudModes!: FraudModesView;
  @ApiProperty({ type: PixelMonitorView, nullable: true }) pixelMonitor!: PixelMonitorView | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class AppWithSecret extends AppView {
  @ApiProperty({ description: 'Signs SDK and server calls (`X-Lookback-Signature`); shown on create only.', example: 'sdk_…' }) sdkSecret!: string;
}

export class AppsPage {
  @ApiProperty({ type: [AppView] }) items!: AppView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
