import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify';
import { Transform, pipeline } from 'node:stream';
import { EXPORT_COLUMNS, ExportsRepository, type ExportKind } from '@app/database';
import { invalid, type AppScope } from '@app/domain';
import { AppsService } from '../apps/apps.service';
import { IsInstant } from '../common/fields';
import { Scope } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';

const KINDS: ExportKind[] = ['installs', 'events', 'clicks'];
const MAX_DAYS = 366;

export class ExportQuery {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;
  /** [from, to) on the row's own time: installedAt, occurredAt, or the click's ts. */
  @ApiProperty({ format: 'date-time' }) @IsInstant() from!: string;
  @ApiProperty({ format: 'date-time' }) @IsInstant() to!: string;
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' }) @IsOptional() @IsIn(['ndjson', 'csv']) format?: 'ndjson' | 'csv';
}

@ApiTags('exports')
@AdminApi()
@Controller('v1/exports')
export class ExportsController {
  constructor(
    private readonly exports: ExportsRepository,
    private readonly apps: AppsService,
  ) {}

  /**
   * Every row of the range, streamed from a PostgreSQL cursor: memory stays flat at any size, and rows are read
   * only as fast as the client takes them. NDJSON: one JSON object a line; CSV: a header line, then rows.
   */
  @Get(':kind')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The rows, streamed.', schema: { type: 'string' } })
  @ApiErrors([400, 'A bad kind or field, `from` not before `to`, or more than 366 days.'], [404, 'No such app (`appId`), or one outside the key.'])
  async export(@Param('kind') kind: string, @Query() q: ExportQuery, @Scope() scope: AppScope, @Res() reply: FastifyReply): Promise<void> {
    if (!(KINDS as string[]).includes(kind)) throw invalid('invalid_field', 'kind must be installs, events or clicks.', 'kind');
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw invalid('invalid_range', '`from` must be before `to`.', 'to');
    if (to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) throw invalid('invalid_range', `At most ${MAX_DAYS} days at a time.`, 'to');
    await this.apps.find(q.appId, scope, 'appId');
    const format = q.format ?? 'ndjson';
    const cursor = await this.exports.open(kind as ExportKind, q.appId, from, to);
    const encode =
      format === 'csv'
        ? // CSV cells: times as ISO strings, JSON columns as JSON text.
          stringify({ header: true, columns: EXPORT_COLUMNS[kind as ExportKind], cast: { date: (d) => d.toISOString(), object: (o) => JSON.stringify(o) } })
        : new Transform({
            writableObjectMode: true,
            transform(row: object, _enc, done) {
              done(null, `${JSON.stringify(row)}\n`);
            },
          });
    // pipeline destroys the cursor when the client goes away, and gives the connection back either way.
    const body = pipeline(cursor.rows, encode, (err) => cursor.release(err ?? undefined));
    await reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="${kind}-${q.from.slice(0, 10)}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
      .header('cache-control', 'no-store')
      .send(body);
  }
}
