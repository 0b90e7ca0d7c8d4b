import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiProperty, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthService } from './health.service';
import { metricsRegistry } from './metrics';

export class CountryDatabaseView {
  @ApiProperty({ example: 'dbip-country' }) name!: string;
  @ApiProperty({ example: '2.3.2026060120', description: 'The npm package version, which names the DB-IP release.' }) version!: string;
  @ApiProperty({ example: '2026-06-01T20:00:00.000Z' }) builtAt!: string;
}

export class HealthView {
  @ApiProperty({ enum: ['ok', 'down'] }) status!: 'ok' | 'down';
  @ApiProperty({ enum: ['up', 'down'] }) db!: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] }) redis!: 'up' | 'down';
  @ApiPropertyOptional({ type: CountryDatabaseView, description: 'The country database release IPs are placed with.' }) countryDb?: CountryDatabaseView;
}

/** /health and /metrics, without credentials: for load balancers and Prometheus. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('health')
  @ApiOkResponse({ type: HealthView })
  @ApiServiceUnavailableResponse({ type: HealthView, description: 'PostgreSQL or Redis is down (named).' })
  async check(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.check();
    await reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }

  @Get('metrics')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition.', schema: { type: 'string' } })
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
