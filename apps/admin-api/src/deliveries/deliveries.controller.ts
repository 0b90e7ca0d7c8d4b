import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { DeliveryAttemptEntity, DeliveryEntity, type DeliveryKind, type DeliveryStatus } from '@app/database';
import { ListQuery, listPage } from '../common/pagination';

export class DeliveryListQuery extends ListQuery {
  @IsOptional() @IsIn(['postback', 'webhook']) kind?: DeliveryKind;
  @IsOptional() @IsIn(['pending', 'delivered', 'failed']) status?: DeliveryStatus;
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
  ) {}

  /** The outbound log: every postback and webhook with its attempts and last error. */
  @Get()
  async list(@Query() q: DeliveryListQuery) {
    const where = {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.appId ? { appId: q.appId } : {}),
      ...(q.subjectId ? { subjectId: q.subjectId } : {}),
    };
    const page = await listPage(this.deliveries, q, where, (d) => d);
    const attempts = page.items.length
      ? await this.attempts.find({ where: { deliveryId: In(page.items.map((d) => d.id)) }, order: { attempt: 'ASC' } })
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
          .map((a) => ({ attempt: a.attempt, at: a.attemptedAt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
      })),
    };
  }
}
