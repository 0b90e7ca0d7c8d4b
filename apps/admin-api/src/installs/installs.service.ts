import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { InstallEntity } from '@app/database';
import { canSee, notFound, type AppScope } from '@app/domain';

@Injectable()
export class InstallsService {
  constructor(@InjectRepository(InstallEntity) private readonly installs: Repository<InstallEntity>) {}

  /** The decision and why: `explanation.summary` in words, the rest in structure. */
  async get(id: string, scope: AppScope) {
    const i = await this.installs.findOne({ where: { id } });
    if (!i || !canSee(scope, i.appId)) throw notFound('install');
    return {
      id: i.id,
      appId: i.appId,
      installId: i.installId,
      installedAt: i.installedAt,
      receivedAt: i.receivedAt,
      status: i.status,
      campaignId: i.campaignId,
      matchType: i.matchType,
      clickId: i.touchKind === 'click' ? i.touchId : null,
      impressionId: i.touchKind === 'impression' ? i.touchId : null,
      ctitSeconds: i.ctitSeconds,
      decidedAt: i.decidedAt,
      explanation: i.explanation,
    };
  }
}
