import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import type { AttemptRowOutcome, DeliveryKind, DeliveryStatus } from '@app/database';
import { ListQuery } from '../common/pagination';

const KINDS: DeliveryKind[] = ['postback', 'webhook', 'alert'];
const STATUSES: DeliveryStatus[] = ['pending', 'sending', 'delivered', 'failed', 'unknown'];
const OUTCOMES: AttemptRowOutcome[] = ['sending', 'ok', 'error', 'uncertain', 'interrupted'];

export class RetriedDelivery {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['pending'], description: 'Back to pending; the worker sends it again.' }) status!: 'pending';
  @ApiProperty({ description: 'False when Redis could not take the job now; the reconciler offers it again shortly.' })
  enqueued!: boolean;
}

export class DeliveryListQuery extends ListQuery {
  @ApiPropertyOptional({ enum: KINDS, description: 'postback (to an ad network), webhook (audiences) or alert (pixel monitor).' })
  @IsOptional() @IsIn(KINDS) kind?: DeliveryKind;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: DeliveryStatus;
  @ApiPropertyOptional({ type: String, format: 'uuid' }) @IsOptional() @IsUUID() appId?: string;
  /** The install (or event) the delivery is about. */
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The install, event or audience change the delivery is about.' })
  @IsOptional() @IsUUID() subjectId?: string;
}

export class AttemptView {
  @ApiProperty({ description: 'From 1.' }) attempt!: number;
  @ApiProperty({ format: 'date-time' }) at!: Date;
  @ApiProperty({ enum: OUTCOMES, description: '`uncertain`/`interrupted`: the partner may have received it.' }) outcome!: AttemptRowOutcome;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true, description: "The partner's HTTP status." }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
}

export class DeliveryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ enum: KINDS }) kind!: DeliveryKind;
  @ApiProperty({ example: 'install' }) subjectType!: string;
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) networkId!: string | null;
  @ApiProperty({ enum: ['GET', 'POST'] }) method!: 'GET' | 'POST';
  @ApiProperty({ description: 'The URL called, macros filled.' }) url!: string;
  @ApiProperty({ enum: STATUSES }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true }) deliveredAt!: Date | null;
  @ApiProperty({ type: [AttemptView] }) attemptLog!: AttemptView[];
}

export class DeliveriesPage {
  @ApiProperty({ type: [DeliveryView] }) items!: DeliveryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
