import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { EveryAppOnly } from '../auth/scopes';
import { ListQuery, uuidParam } from '../common/pagination';
import { CreateNetworkDto, UpdateNetworkDto } from './network.dto';
import { NetworksService } from './networks.service';

@ApiTags('networks')
@ApiBearerAuth()
@Controller('v1/networks')
export class NetworksController {
  constructor(private readonly networks: NetworksService) {}

  /** Networks are shared by every app: a key limited to some apps may read them, not change them. */
  @Post() @EveryAppOnly() create(@Body() dto: CreateNetworkDto) {
    return this.networks.create(dto);
  }

  @Get() list(@Query() query: ListQuery) {
    return this.networks.list(query);
  }

  @Get(':id') get(@Param('id', uuidParam()) id: string) {
    return this.networks.get(id);
  }

  @Patch(':id') @EveryAppOnly() update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateNetworkDto) {
    return this.networks.update(id, dto);
  }
}
