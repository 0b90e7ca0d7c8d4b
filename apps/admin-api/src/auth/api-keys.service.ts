import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { ApiKeyEntity, type ApiScope } from '@app/database';
import { hashApiKey, newSecret, uuidv7 } from '@app/domain';

const CACHE_MS = 10_000;

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly cache = new Map<string, { key: ApiKeyEntity | null; expires: number }>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** ADMIN_API_KEY names the owner key; it is stored hashed like any other and created once. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.adminApiKey) return;
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({
        id: uuidv7(),
        name: 'owner (ADMIN_API_KEY)',
        keyHash: hashApiKey(this.config.adminApiKey),
        keyPrefix: this.config.adminApiKey.slice(0, 6),
        scopes: ['owner', 'read', 'write'],
      })
      .orIgnore()
      .execute();
  }

  async authenticate(plain: string): Promise<ApiKeyEntity | null> {
    const hash = hashApiKey(plain);
    const hit = this.cache.get(hash);
    if (hit && hit.expires > Date.now()) return hit.key;
    const key = await this.keys.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { key, expires: Date.now() + CACHE_MS });
    return key;
  }

  async create(name: string, scopes: ApiScope[]): Promise<{ id: string; name: string; scopes: ApiScope[]; key: string; createdAt: Date }> {
    const key = newSecret('lbk');
    const entity = await this.keys.save(
      this.keys.create({ id: uuidv7(), name, keyHash: hashApiKey(key), keyPrefix: key.slice(0, 8), scopes, revokedAt: null }),
    );
    return { id: entity.id, name: entity.name, scopes: entity.scopes, key, createdAt: entity.createdAt };
  }
}
