import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppRateLimitGuard, SignatureGuard } from '@app/http';
import { InstallDto } from './install.dto';
import { InstallsService } from './installs.service';

@ApiTags('sdk')
@ApiHeader({ name: 'X-Lookback-Signature', description: 'sha256=<hex HMAC-SHA256(sdkSecret, raw body)>' })
@Controller('v1/installs')
export class InstallsController {
  constructor(private readonly installs: InstallsService) {}

  /** 202 for a new install, 200 with the same id when the installId was sent before. */
  @Post()
  @HttpCode(202)
  @UseGuards(SignatureGuard, AppRateLimitGuard)
  async create(@Body() dto: InstallDto, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const accepted = await this.installs.accept(dto, { ip: req.ip, userAgent: req.headers['user-agent'] });
    await reply.status(accepted.created ? 202 : 200).send({ id: accepted.id, status: accepted.status });
  }
}
