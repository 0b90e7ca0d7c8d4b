import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TRANSPARENT_GIF } from '@app/http';
import { TrackingService, type TrackingQuery } from './tracking.service';

@ApiTags('tracking')
@Controller()
export class TrackingController {
  constructor(private readonly tracking: TrackingService) {}

  /** Tracking link: records the click and redirects to the campaign's destination, never anywhere else. */
  @Get('c/:campaignId')
  async click(
    @Param('campaignId') campaignId: string,
    @Query() query: TrackingQuery,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const location = await this.tracking.click(campaignId, query, { ip: req.ip, userAgent: req.headers['user-agent'] });
    await reply.header('cache-control', 'no-store').redirect(asciiLocation(location), 302);
  }

  /** Impression pixel: always the 1×1 GIF, so an ad never shows a broken image. */
  @Get('i/:campaignId')
  async impression(
    @Param('campaignId') campaignId: string,
    @Query() query: TrackingQuery,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.tracking.impression(campaignId, query, { ip: req.ip, userAgent: req.headers['user-agent'] });
    await reply.status(200).header('content-type', 'image/gif').header('cache-control', 'no-store').send(TRANSPARENT_GIF);
  }
}

/** A Location header must be ASCII: percent-encode anything else a destination URL may hold. */
export function asciiLocation(url: string): string {
  return url.replace(/[^\x21-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return ''; // a lone surrogate cannot be encoded, and means nothing in a URL
    }
  });
}
