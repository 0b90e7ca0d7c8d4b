import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { NetworkEntity } from '@app/database';
import { notFound, uuidv7 } from '@app/domain';
import { refusePrivateAddresses } from '../common/outbound-url';
import { listPage, type ListQuery } from '../common/pagination';
import { saveOrRefuse } from '../common/write-errors';
import type { CreateNetworkDto, UpdateNetworkDto } from './network.dto';

export function networkView(n: NetworkEntity) {
  return {
    id: n.id,
    name: n.name,
    installPostbackUrl: n.installPostbackUrl,
    eventPostbackUrl: n.eventPostbackUrl,
    postbackEvents: n.postbackEvents,
    dedupesClickId: n.dedupesClickId,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
  };
}

@Injectable()
export class NetworksService {
  constructor(
    @InjectRepository(NetworkEntity) private readonly networks: Repository<NetworkEntity>,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  private refusePrivate(dto: UpdateNetworkDto): void {
    refusePrivateAddresses(this.config.outboundAllowPrivate, {
      installPostbackUrl: dto.installPostbackUrl,
      eventPostbackUrl: dto.eventPostbackUrl,
    });
  }

  async create(dto: CreateNetworkDto) {
    this.refusePrivate(dto);
    const network = this.networks.create({
      id: uuidv7(),
      name: dto.name,
      installPostbackUrl: dto.installPostbackUrl ?? null,
      eventPostbackUrl: dto.eventPostbackUrl ?? null,
      postbackEvents: dto.postbackEvents ?? [],
      dedupesClickId: dto.dedupesClickId ?? false,
    });
    return networkView(await saveOrRefuse(this.networks, network));
  }

  list(query: ListQuery) {
    return listPage(this.networks, query, {}, networkView);
  }

  async get(id: string) {
    return networkView(await this.find(id));
  }

  async update(id: string, dto: UpdateNetworkDto) {
    this.refusePrivate(dto);
    return networkView(await saveOrRefuse(this.networks, this.networks.merge(await this.find(id), dto)));
  }

  async find(id: string, field?: string): Promise<NetworkEntity> {
    const network = await this.networks.findOne({ where: { id } });
    if (!network) throw notFound('network', field);
    return network;
  }
}
