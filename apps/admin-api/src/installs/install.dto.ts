// What GET /v1/installs/{id} answers: the decision and why.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { InstallStatus } from '@app/database';
import type { MatchType } from '@app/domain';

const MATCH_TYPES: MatchType[] = ['click_id', 'device_id', 'fingerprint', 'view_through'];
const OBJECT = { type: 'object', additionalProperties: true } as const;

export class WinnerView {
  @ApiProperty({ format: 'uuid' }) touchId!: string;
  @ApiProperty({ enum: ['click', 'impression'] }) kind!: 'click' | 'impression';
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'date-time' }) ts!: string;
  @ApiProperty() lookbackHours!: number;
}

export class ExplanationView {
  @ApiProperty({ example: 'Attributed to campaign Winter by device_id: click 2 h before the install.' }) summary!: string;
  @ApiProperty({ enum: MATCH_TYPES, nullable: true, description: 'The rule that matched.' }) rule!: MatchType | null;
  @ApiProperty({ type: WinnerView, nullable: true }) winner!: WinnerView | null;
  @ApiProperty({ type: Number, nullable: true }) ctitSeconds!: number | null;
  @ApiPropertyOptional({ ...OBJECT, description: 'Why the install was rejected, e.g. `{reason: "click_injection", minCtitSeconds}`.' })
  rejection?: Record<string, unknown>;
  @ApiPropertyOptional({ ...OBJECT, description: 'The earlier install this one repeats: `{installId, installedAt, reattributionDays}`.' })
  reinstallOf?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'array', items: OBJECT, description: 'What fraud rules in `shadow` mode would have done.' })
  shadow?: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: OBJECT, description: 'Every touch considered and why it lost.' })
  candidates!: Record<string, unknown>[];
}

export class InstallView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ description: "The client's own installId." }) installId!: string;
  @ApiProperty({ format: 'date-time' }) installedAt!: Date;
  @ApiProperty({ format: 'date-time' }) receivedAt!: Date;
  @ApiProperty({ enum: ['pending', 'attributed', 'organic', 'rejected', 'reinstall'] }) status!: InstallStatus;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) campaignId!: string | null;
  @ApiProperty({ enum: MATCH_TYPES, nullable: true }) matchType!: MatchType | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The winning click.' }) clickId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The winning impression (view-through).' }) impressionId!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Click-to-install time.' }) ctitSeconds!: number | null;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true, description: '`null` while pending.' }) decidedAt!: Date | null;
  @ApiProperty({ type: ExplanationView, nullable: true, description: '`summary` in words, the rest in structure; `null` while pending.' })
  explanation!: ExplanationView | null;
}
