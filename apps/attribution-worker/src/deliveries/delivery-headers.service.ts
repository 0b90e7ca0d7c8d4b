import { Injectable } from '@nestjs/common';
import { AudiencesRepository, PixelRepository, type ClaimedDelivery } from '@app/database';
import { webhookSignatureHeaders } from '@app/domain';

/**
 * Headers computed at send time from the delivery's kind. Signatures belong here rather than in the outbox row:
 * a signature carries the time of the call, and a secret rotated since the row was written must be honoured.
 * Each kind that signs (audience webhooks, pixel alerts) adds its case.
 */
@Injectable()
export class DeliveryHeaders {
  constructor(
    private readonly audiences: AudiencesRepository,
    private readonly pixel: PixelRepository,
  ) {}

  async for(delivery: ClaimedDelivery, now = new Date()): Promise<Record<string, string>> {
    switch (delivery.kind) {
      case 'webhook': {
        const secrets = delivery.audienceId ? await this.audiences.signingSecrets(delivery.appId, delivery.audienceId, now) : undefined;
        if (!secrets) throw new Error('its audience was deleted');
        // webhook-id is the delivery's id: the same on every retry, so a partner can drop repeats.
        return webhookSignatureHeaders(secrets, delivery.id, delivery.body ?? '', Math.floor(now.getTime() / 1000));
      }
      case 'alert': {
        // Signed like audience webhooks, with the app's SDK secret: the marketer already holds it.
        const secret = await this.pixel.sdkSecret(delivery.appId);
        if (!secret) throw new Error('its app is gone');
        return webhookSignatureHeaders([secret], delivery.id, delivery.body ?? '', Math.floor(now.getTime() / 1000));
      }
      default:
        return {};
    }
  }
}
