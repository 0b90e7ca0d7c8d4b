// API keys beyond plain entity reads and saves: the owner key made once, the look-up every request makes, and
// the writes whose condition lives in SQL (last use at most once a minute, revocation once).
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DataSource) {}

  private get keys() {
    return this.db.getRepository(ApiKeyEntity);
  }

  /** Stores the key unless one with its hash exists already (several processes may start at once). */
  async insertIfAbsent(key: Omit<ApiKeyEntity, 'createdAt' | 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    await this.keys.createQueryBuilder().insert().values(key).orIgnore().execute();
  }

  /** Unrevoked keys whose hash starts with `lookup` (the caller compares the whole hash in constant time). */
  activeByLookup(lookup: string): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { keyLookup: lookup, revokedAt: IsNull() } });
  }

  /** Records a use, unless one was recorded in the last minute (by any process). */
  async touch(id: string): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where("id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", { id })
      .execute();
  }

  /** Revokes the key now, unless it is revoked already (its first revocation time stands). */
  async revoke(id: string): Promise<void> {
    await this.keys.createQueryBuilder().update().set({ revokedAt: () => 'now()' }).where('id = :id AND revoked_at IS NULL', { id }).execute();
  }
}
