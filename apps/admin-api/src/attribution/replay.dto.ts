import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { FraudModesDto } from '../apps/app.dto';
import { IsInstant, Optional } from '../common/fields';

const OBJECT = { type: 'object', additionalProperties: true } as const;

export class WindowOverridesDto {
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 2160 }) @Optional() @IsInt() @Min(0) @Max(2160) clickLookbackHours?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 720 }) @Optional() @IsInt() @Min(0) @Max(720) viewLookbackHours?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 168 }) @Optional() @IsInt() @Min(0) @Max(168) fingerprintLookbackHours?: number;
}

export class ReplayOverridesDto extends WindowOverridesDto {
  /** Windows for single campaigns, by campaign id; they beat the all-campaign values above. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/WindowOverridesDto' },
    example: { '0190f5c4-0000-7000-8000-000000000002': { clickLookbackHours: 72 } },
    description: 'Windows for single campaigns, by campaign id; they beat the all-campaign values.',
  })
  @Optional() @IsObject() campaigns?: Record<string, WindowOverridesDto>;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 86_400 }) @Optional() @IsInt() @Min(0) @Max(86_400) minCtitSeconds?: number;
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 3650 }) @Optional() @IsInt() @Min(0) @Max(3650) reattributionDays?: number;
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 1_000_000 }) @Optional() @IsInt() @Min(1) @Max(1_000_000) clickFloodThreshold?: number;
  @ApiPropertyOptional({ type: FraudModesDto }) @Optional() @IsObject() @ValidateNested() @Type(() => FraudModesDto) fraudModes?: FraudModesDto;
}

export class ReplayDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  /** Installs whose installedAt is in [from, to). */
  @ApiProperty({ format: 'date-time', example: '2026-12-01T00:00:00Z', description: 'Installs whose installedAt is in [from, to), at most 93 days.' })
  @IsInstant() from!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-08T00:00:00Z' }) @IsInstant() to!: string;
  @ApiPropertyOptional({ type: ReplayOverridesDto, description: "Settings to decide with instead of the app's and campaigns' own." })
  @Optional() @IsObject() @ValidateNested() @Type(() => ReplayOverridesDto) overrides?: ReplayOverridesDto;
  /** false (default): a dry run that changes nothing. true: rewrite the decisions. */
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'false: a dry run that changes nothing (200). true: rewrite the decisions as a worker job (202).' })
  @Optional() @IsBoolean() apply?: boolean;
  /** With apply: also send the install postbacks newly owed (never a second one for the same install). */
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'With apply: also send the install postbacks newly owed (never a second one for an install).' })
  @Optional() @IsBoolean() sendOwedPostbacks?: boolean;
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 50_000, default: 10_000, description: 'Most installs re-decided; the rest is reported as `truncated`.' })
  @Optional() @IsInt() @Min(1) @Max(50_000) limit?: number;
}

export class DecisionPlaceView {
  @ApiProperty({ enum: ['pending', 'attributed', 'organic', 'rejected', 'reinstall'] }) status!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) campaignId!: string | null;
}

export class MoveExampleView {
  @ApiProperty({ format: 'uuid' }) installId!: string;
  @ApiProperty({ type: String, nullable: true }) fromMatchType!: string | null;
  @ApiProperty({ type: String, nullable: true }) toMatchType!: string | null;
  @ApiProperty() summary!: string;
}

export class MoveView {
  @ApiProperty({ type: DecisionPlaceView }) from!: DecisionPlaceView;
  @ApiProperty({ type: DecisionPlaceView }) to!: DecisionPlaceView;
  @ApiProperty() count!: number;
  @ApiProperty({ type: [MoveExampleView], description: 'Up to 5.' }) examples!: MoveExampleView[];
}

export class ReplayPostbacksView {
  @ApiProperty({ description: 'Installs newly attributed that no postback was sent for.' }) owed!: number;
  @ApiProperty() sent!: number;
  @ApiProperty({ description: 'Newly attributed installs already posted back for another campaign: never sent twice.' }) alreadySentElsewhere!: number;
}

export class ReplaySummaryView {
  @ApiProperty({ description: 'Installs re-decided.' }) installs!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ description: 'Installs whose status or campaign would change.' }) moved!: number;
  @ApiProperty({ description: 'Same status and campaign, another touch or match type.' }) rematched!: number;
  @ApiProperty({ description: 'Decisions rewritten (0 on a dry run).' }) applied!: number;
  @ApiProperty({ type: [MoveView], description: 'From where to where, most common first.' }) moves!: MoveView[];
  @ApiProperty({ type: ReplayPostbacksView }) postbacks!: ReplayPostbacksView;
  @ApiProperty({ description: 'More installs were in the range than `limit`.' }) truncated!: boolean;
}

export class ReplayReportView extends ReplaySummaryView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ description: 'true: nothing was changed; false: the decisions were rewritten (an applied run).' }) dryRun!: boolean;
  @ApiProperty({ ...OBJECT, nullable: true, description: 'The overrides as sent.' }) overrides!: Record<string, unknown> | null;
}

export class ReplayParamsView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ ...OBJECT, nullable: true }) overrides!: Record<string, unknown> | null;
  @ApiProperty() limit!: number;
  @ApiProperty() sendOwedPostbacks!: boolean;
}

export class ReplayRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The worker job, named by the run id.' }) jobId!: string;
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!: 'queued' | 'running' | 'done' | 'failed';
  @ApiProperty({ description: 'Installs re-decided so far.' }) processed!: number;
  @ApiProperty({ type: ReplayParamsView }) params!: ReplayParamsView;
  @ApiProperty({ type: ReplayReportView, nullable: true, description: 'When done.' }) result!: ReplayReportView | null;
  @ApiProperty({ type: String, nullable: true, description: 'When failed.' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
}
