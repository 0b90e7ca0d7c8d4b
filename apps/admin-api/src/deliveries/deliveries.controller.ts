import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DeliveryAttemptEntity, DeliveryEntity } from '@app/database';
import { ensureVisible, type AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { listPage, scopeWhere, uuidParam } from '../common/pagination';
import { DeliveriesPage, DeliveryListQuery, RetriedDelivery } from './deliveries.dto';
import { DeliveriesService } from './deliveries.service';

@ApiTags('deliveries')
@AdminApi()
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
  @ApiErrors(400, 403, 404, [409, 'The delivery is not failed: pending, in flight or delivered (`delivery_not_failed`).'])
  retry(@Param('id', uuidParam()) id: string, @Scope() scope: AppScope) {
    return this.service.retry(id, scope);
  }

  /** The outbound log: every postback and webhook with its attempts and last error. */
  @Get()
  @ApiOkResponse({ type: DeliveriesPage })
  @ApiErrors(400, [404, "`appId` is outside the key's apps."])
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
