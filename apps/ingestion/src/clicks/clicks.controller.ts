import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClicksService, type TrackingQuery } from './clicks.service';

@ApiTags('tracking')
@Controller()
export class ClicksController {
  constructor(private readonly clicks: ClicksService) {}

  /** Tracking link: records the click and redirects to the campaign's destination, never anywhere else. */
  @Get('c/:campaignId')
  async click(
    @Param('campaignId') campaignId: string,
    @Query() query: TrackingQuery,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const location = await this.clicks.click(campaignId, query, { ip: req.ip, userAgent: req.headers['user-agent'] });
    await reply.header('cache-control', 'no-store').redirect(asciiLocation(location), 302);
  }
}

/** A Location header must be ASCII: percent-encode anything else a destination URL may hold. */
function asciiLocation(url: string): string {
  return url.replace(/[^\x21-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return ''; // a lone surrogate cannot be encoded, and means nothing in a URL
    }
  });
}
