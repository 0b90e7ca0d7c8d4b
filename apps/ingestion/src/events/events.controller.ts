import { Controller, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiHeader, ApiOkResponse, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppRateLimitGuard, CountItems, SignatureGuard } from '@app/http';
import { IngestionErrors, SIGNATURE_HEADER } from '../openapi';
import { CheckedBody } from '../validation/body-schema';
import {
  BatchResultsView,
  EVENT_BATCH_SCHEMA,
  EVENT_ITEM_SCHEMA,
  EventAccepted,
  EventBatchDto,
  EventDto,
  EventItemDto,
  type EventBatchInput,
  type EventInput,
} from './event.dto';
import { EventsService } from './events.service';

const isDebug = (v: unknown) => v === '1' || v === 'true';

@ApiTags('sdk')
@ApiHeader(SIGNATURE_HEADER)
@ApiExtraModels(EventItemDto)
@IngestionErrors(400, 401, 413, 415, 429, 503)
@Controller('v1/events')
@UseGuards(SignatureGuard, AppRateLimitGuard)
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** 202 for a new event, 200 with the same id when the eventId was sent before with the same body, 409 otherwise. */
  @Post()
  @ApiQuery({ name: 'debug', required: false, enum: ['1', 'true'], description: 'Answer what Lookback understood, in `debug`.' })
  @ApiAcceptedResponse({ type: EventAccepted, description: 'A new event.' })
  @ApiOkResponse({ type: EventAccepted, description: 'This eventId was sent before with the same body: the same id, nothing duplicated.' })
  @IngestionErrors([409, 'This eventId was sent before with another body (`event_conflict`).'])
  @ApiBody({ type: EventDto })
  async create(@CheckedBody(EVENT_ITEM_SCHEMA) dto: EventInput, @Query('debug') debug: unknown, @Res() reply: FastifyReply): Promise<void> {
    const a = await this.events.accept(dto, reply.request.body, isDebug(debug), reply.request.ip);
    await reply.status(a.created ? 202 : 200).send({ id: a.id, ...(a.debug ? { debug: a.debug } : {}) });
  }

  /** Up to 500 events; 207 with `{results: [{index, status, id?, error?}]}`, one per item in order. */
  @Post('batch')
  @CountItems(EventBatchDto.itemsField)
  @ApiResponse({ status: 207, type: BatchResultsView, description: 'A result per item, in order; items are accepted or refused one by one.' })
  @ApiBody({ type: EventBatchDto })
  async batch(@CheckedBody(EVENT_BATCH_SCHEMA, EventBatchDto.itemsField) dto: EventBatchInput, @Res() reply: FastifyReply): Promise<void> {
    await reply.status(207).send(await this.events.acceptBatch(dto, signedApp(dto), reply.request.ip));
  }
}

/** The signature guard checked the batch against this app (see SignatureGuard). */
function signedApp(dto: EventBatchInput): string {
  const first = dto.events[0] as { appId?: unknown } | undefined;
  return dto.appId ?? String(first?.appId);
}
