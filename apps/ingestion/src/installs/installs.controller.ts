import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppRateLimitGuard, SignatureGuard } from '@app/http';
import { IngestionErrors, SIGNATURE_HEADER } from '../openapi';
import { CheckedBody } from '../validation/body-schema';
import { INSTALL_SCHEMA, InstallAccepted, InstallDto, type InstallInput } from './install.dto';
import { InstallsService } from './installs.service';

@ApiTags('sdk')
@ApiHeader(SIGNATURE_HEADER)
@Controller('v1/installs')
export class InstallsController {
  constructor(private readonly installs: InstallsService) {}

  /** 202 for a new install, 200 with the same id when the installId was sent before. */
  @Post()
  @ApiAcceptedResponse({ type: InstallAccepted, description: 'A new install, queued for attribution.' })
  @ApiOkResponse({ type: InstallAccepted, description: 'This installId was sent before: the same id, nothing duplicated.' })
  @IngestionErrors(400, 401, 413, 415, 429, 503)
  @ApiBody({ type: InstallDto })
  @HttpCode(202)
  @UseGuards(SignatureGuard, AppRateLimitGuard)
  async create(@CheckedBody(INSTALL_SCHEMA) dto: InstallInput, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const accepted = await this.installs.accept(dto, { ip: req.ip, userAgent: req.headers['user-agent'] });
    await reply.status(accepted.created ? 202 : 200).send({ id: accepted.id, status: accepted.status });
  }
}
