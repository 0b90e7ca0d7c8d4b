import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppScope } from '@app/domain';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { uuidParam } from '../common/pagination';
import { DeliveriesPage, DeliveryListQuery, RetriedDelivery } from './deliveries.dto';
import { DeliveriesService } from './deliveries.service';

@ApiTags('deliveries')
@AdminApi()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly service: DeliveriesService) {}

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
  list(@Query() q: DeliveryListQuery, @Scope() scope: AppScope) {
    return this.service.list(q, scope);
  }
}
