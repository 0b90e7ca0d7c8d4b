import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { EveryAppOnly } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { FxRatesService } from './fx-rates.service';

export class PutFxRatesDto {
  /** `{"EUR": 1.08}`: US dollars per one unit of each ISO 4217 currency; checked key by key by the service. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number', exclusiveMinimum: true, minimum: 0 },
    example: { EUR: 1.08, GBP: 1.27 },
    description: 'US dollars per one unit of each ISO 4217 currency (at most 200, at most 12 decimals); USD is 1.',
  })
  @IsObject()
  rates!: Record<string, unknown>;
}

export class FxRateView {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: '1.08', description: 'An exact decimal: money never goes through a float.' }) usdPerUnit!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class FxRatesView {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { EUR: '1.08' }, description: 'Currency → US dollars per unit.' })
  rates!: Record<string, string>;
  @ApiProperty({ type: [FxRateView] }) items!: FxRateView[];
}

@ApiTags('fx-rates')
@AdminApi()
@Controller('v1/fx-rates')
export class FxRatesController {
  constructor(private readonly fx: FxRatesService) {}

  @Get()
  @ApiOkResponse({ type: FxRatesView })
  list() {
    return this.fx.list();
  }

  /** Upserts the rates given; currencies not named keep their rate. Needs the write scope. */
  @Put()
  @ApiOkResponse({ type: FxRatesView, description: 'Every rate, after the upsert.' })
  @ApiErrors(400, 403, 415)
  @EveryAppOnly()
  put(@Body() dto: PutFxRatesDto) {
    return this.fx.upsert(dto.rates);
  }
}
