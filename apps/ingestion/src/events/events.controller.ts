import { Body, Controller, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppRateLimitGuard, CountItems, SignatureGuard } from '@app/http';
import { EventBatchDto, EventDto } from './event.dto';
import { EventsService } from './events.service';

const isDebug = (v: unknown) => v === '1' || v === 'true';

@ApiTags('sdk')
@ApiHeader({ name: 'X-Lookback-Signature', description: 'sha256=<hex HMAC-SHA256(sdkSecret, raw body)>' })
@Controller('v1/events')
@UseGuards(SignatureGuard, AppRateLimitGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** 202 for a new event, 200 with the same id when the eventId was sent before with the same body, 409 otherwise. */
  @Post()
  async create(@Body() dto: EventDto, @Query('debug') debug: unknown, @Res() reply: FastifyReply): Promise<void> {
    const a = await this.events.accept(dto, reply.request.body, isDebug(debug), reply.request.ip);
    await reply.status(a.created ? 202 : 200).send({ id: a.id, ...(a.debug ? { debug: a.debug } : {}) });
  }

  /** Up to 500 events; 207 with `{results: [{index, status, id?, error?}]}`, one per item in order. */
  @Post('batch')
  @CountItems(EventBatchDto.itemsField)
  async batch(@Body() dto: EventBatchDto, @Res() reply: FastifyReply): Promise<void> {
    await reply.status(207).send(await this.events.acceptBatch(dto, signedApp(dto), reply.request.ip));
  }
}

/** The signature guard checked the batch against this app (see SignatureGuard). */
function signedApp(dto: EventBatchDto): string {
  const first = dto.events[0] as { appId?: unknown } | undefined;
  return dto.appId ?? String(first?.appId);
}
