import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { DeliveryAttemptEntity, DeliveryEntity, type DeliveryKind, type DeliveryStatus } from '@app/database';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { ErrorResponse } from '../common/openapi';
import { ListQuery, listPage, scopeWhere, uuidParam } from '../common/pagination';
import { DeliveriesService } from './deliveries.service';

export class RetriedDelivery {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['pending'], description: 'Back to pending; the worker sends it again.' }) status!: 'pending';
  @ApiProperty({ description: 'False when Redis could not take the job now; the reconciler offers it again shortly.' })
  enqueued!: boolean;
}

export class DeliveryListQuery extends ListQuery {
  @IsOptional() @IsIn(['postback', 'webhook', 'alert']) kind?: DeliveryKind;
  @IsOptional() @IsIn(['pending', 'sending', 'delivered', 'failed', 'unknown']) status?: DeliveryStatus;
  @IsOptional() @IsUUID() appId?: string;
  /** The install (or event) the delivery is about. */
  @IsOptional() @IsUUID() subjectId?: string;
}

@ApiTags('deliveries')
@ApiBearerAuth()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    @InjectRepository(DeliveryEntity) private readonly deliveries: Repository<DeliveryEntity>,
    @InjectRepository(DeliveryAttemptEntity) private readonly attempts: Repository<DeliveryAttemptEntity>,
    private readonly service: DeliveriesService,
  ) {}

  /** Sends a failed delivery again (409 for one still pending or already delivered). */
  @Post(':id/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: RetriedDelivery })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The delivery is pending (in flight) or delivered.' })
  retry(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.service.retry(id, scope);
  }

  /** The outbound log: every postback and webhook with its attempts and last error. */
  @Get()
  async list(@Query() q: DeliveryListQuery, @Scope() scope: AppScope) {
    if (q.appId) ensureVisible(scope, q.appId, 'app', 'appId');
    const where = {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.appId ? { appId: q.appId } : scopeWhere(scope)),
      ...(q.subjectId ? { subjectId: q.subjectId } : {}),
    };
    const page = await listPage(this.deliveries, q, where, (d) => d);
    const attempts = page.items.length
      ? await this.attempts.find({
          where: page.items.map((d) => ({ appId: d.appId, deliveryId: d.id })),
          order: { attempt: 'ASC' },
        })
      : [];
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((d) => ({
        id: d.id,
        appId: d.appId,
        kind: d.kind,
        subjectType: d.subjectType,
        subjectId: d.subjectId,
        networkId: d.networkId,
        method: d.method,
        url: d.url,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: d.lastStatusCode,
        lastError: d.lastError,
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
        attemptLog: attempts
          .filter((a) => a.deliveryId === d.id)
          .map((a) => ({
            attempt: a.attempt,
            at: a.attemptedAt,
            outcome: a.outcome,
            finishedAt: a.finishedAt,
            statusCode: a.statusCode,
            error: a.error,
            durationMs: a.durationMs,
          })),
      })),
    };
  }
}
