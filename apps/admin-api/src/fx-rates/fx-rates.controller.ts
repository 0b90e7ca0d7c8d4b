import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { EveryAppOnly } from '../auth/scopes';
import { FxRatesService } from './fx-rates.service';

export class PutFxRatesDto {
  /** `{"EUR": 1.08}`: US dollars per one unit of each ISO 4217 currency; checked key by key by the service. */
  @IsObject() rates!: Record<string, unknown>;
}

@ApiTags('fx-rates')
@ApiBearerAuth()
@Controller('v1/fx-rates')
export class FxRatesController {
  constructor(private readonly fx: FxRatesService) {}

  @Get() list() {
    return this.fx.list();
  }

  /** Upserts the rates given; currencies not named keep their rate. Needs the write scope. */
  @Put() @EveryAppOnly() put(@Body() dto: PutFxRatesDto) {
    return this.fx.upsert(dto.rates);
  }
}
