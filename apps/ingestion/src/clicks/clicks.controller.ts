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
    await reply.header('cache-control', 'no-store').redirect(location, 302);
  }
}
