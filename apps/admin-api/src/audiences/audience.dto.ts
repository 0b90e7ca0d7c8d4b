import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { IsText, Optional } from '../common/fields';
import { ListQuery } from '../common/pagination';
import { IsUrlTemplate } from '../common/url-template';

const RULE_DOC =
  'Conditions: {event, withinDays?, count?: {gte?, lte?}, revenueUsd?: {gte?, lte?}}, {installedWithinDays}, {campaignId}, {not}, {all: […]}, {any: […]}; at most 5 deep and 50 conditions.';

export class CreateAudienceDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  @ApiProperty({ maxLength: 200 }) @IsText(1, 200) name!: string;
  /** Checked by the rule grammar, which names the bad part (`rule.all[1].not.withinDays`). */
  @ApiProperty({ type: 'object', additionalProperties: true, description: RULE_DOC, example: { event: 'purchase', withinDays: 30 } })
  @IsObject()
  rule!: Record<string, unknown>;
  @ApiProperty({ description: 'Receives a signed POST per change set (entered and exited members).' })
  @IsUrlTemplate(['http', 'https'])
  webhookUrl!: string;
}

export class UpdateAudienceDto {
  @ApiPropertyOptional({ maxLength: 200 }) @Optional() @IsText(1, 200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `${RULE_DOC} A new rule re-evaluates everyone.` })
  @Optional()
  @IsObject()
  rule?: Record<string, unknown>;
  @ApiPropertyOptional() @Optional() @IsUrlTemplate(['http', 'https']) webhookUrl?: string;
}

export class PreviewAudienceDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: RULE_DOC }) @IsObject() rule!: Record<string, unknown>;
}

export class AudienceListQuery extends ListQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() appId?: string;
}

export class MembersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** Opaque: the `nextCursor` of the previous page. */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(800) cursor?: string;
}

export class MemberDevice {
  @ApiPropertyOptional() gaid?: string;
  @ApiPropertyOptional() idfa?: string;
  @ApiPropertyOptional() idfv?: string;
  @ApiPropertyOptional() androidId?: string;
}

/** A person the rule holds for now (a preview has no entry time yet). */
export class SampleMemberView {
  @ApiProperty({ type: MemberDevice }) device!: MemberDevice;
  @ApiProperty({ type: String, nullable: true }) customerUserId!: string | null;
}

export class MemberView extends SampleMemberView {
  @ApiProperty({ format: 'date-time' }) enteredAt!: Date;
}

export class MembersPage {
  @ApiProperty({ type: [MemberView] }) items!: MemberView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class BackfillView {
  @ApiProperty({ enum: ['running', 'done'] }) status!: 'running' | 'done';
  @ApiProperty({ description: 'People queued when the audience was created or its rule changed.' }) queued!: number;
  @ApiProperty({ description: 'People evaluated so far.' }) done!: number;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) startedAt!: Date | null;
}

export class AudienceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) rule!: Record<string, unknown>;
  @ApiProperty() webhookUrl!: string;
  @ApiProperty({ description: 'Current members.' }) size!: number;
  @ApiProperty({ type: BackfillView }) backfill!: BackfillView;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true, description: 'Until then webhooks are signed by the previous secret too.' })
  previousSecretValidUntil!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class AudienceWithSecret extends AudienceView {
  @ApiProperty({ description: 'whsec_ + base64: shown on create and rotation only.' }) webhookSecret!: string;
}

export class AudiencesPage {
  @ApiProperty({ type: [AudienceView] }) items!: AudienceView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class PreviewView {
  @ApiProperty({ description: 'Members the rule would have now.' }) size!: number;
  @ApiProperty({ type: [SampleMemberView], description: 'Up to 20 of them.' }) sample!: SampleMemberView[];
}
