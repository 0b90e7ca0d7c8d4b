import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EveryAppOnly } from '../auth/scopes';
import { AdminApi, ApiErrors } from '../common/openapi';
import { ListQuery, uuidParam } from '../common/pagination';
import { CreateNetworkDto, NetworkView, NetworksPage, UpdateNetworkDto } from './network.dto';
import { NetworksService } from './networks.service';

@ApiTags('networks')
@AdminApi()
@Controller('v1/networks')
export class NetworksController {
  constructor(private readonly networks: NetworksService) {}

  /** Networks are shared by every app: a key limited to some apps may read them, not change them. */
  @Post()
  @ApiCreatedResponse({ type: NetworkView })
  @ApiErrors(400, 403, 415)
  @EveryAppOnly()
  create(@Body() dto: CreateNetworkDto) {
    return this.networks.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: NetworksPage })
  @ApiErrors(400)
  list(@Query() query: ListQuery) {
    return this.networks.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: NetworkView })
  @ApiErrors(400, 404)
  get(@Param('id', uuidParam()) id: string) {
    return this.networks.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: NetworkView })
  @ApiErrors(400, 403, 404, 415)
  @EveryAppOnly()
  update(@Param('id', uuidParam()) id: string, @Body() dto: UpdateNetworkDto) {
    return this.networks.update(id, dto);
  }
}
