import { Injectable } from '@nestjs/common';
import type { ClaimedDelivery } from '@app/database';

/**
 * Headers computed at send time from the delivery's kind. Signatures belong here rather than in the outbox row:
 * a signature carries the time of the call, and a secret rotated since the row was written must be honoured.
 * Each kind that signs (audience webhooks, pixel alerts) adds its case.
 */
@Injectable()
export class DeliveryHeaders {
  async for(delivery: ClaimedDelivery): Promise<Record<string, string>> {
    switch (delivery.kind) {
      default:
        return {};
    }
  }
}
