import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { timingSafeEqual } from 'node:crypto';
import { In, type Repository } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { ApiKeyEntity, ApiKeysRepository, AppEntity, type ApiScope } from '@app/database';
import { LookbackError, appScope, hashApiKey, newSecret, notFound, uuidv7, type AppScope } from '@app/domain';
import { listPage, type ListQuery } from '../common/pagination';

const LAST_USED_EVERY_MS = 60_000;

export interface AuthenticatedKey {
  id: string;
  scopes: ApiScope[];
  scope: AppScope;
}

export function apiKeyView(k: ApiKeyEntity) {
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    appIds: k.appIds,
    /** The first characters of the key, so a person can tell their keys apart; never the key. */
    keyPrefix: k.keyPrefix,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

/**
 * API keys are stored as their SHA-256 only. A key is read from PostgreSQL on every request (one indexed
 * lookup, no cache), so a revoked key stops working in every admin process at once.
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  /** When this process last wrote each key's last_used_at, to write it at most once a minute. */
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>,
    private readonly stored: ApiKeysRepository,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  /** ADMIN_API_KEY names the owner key; it is stored hashed like any other and created once. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.adminApiKey) return;
    const hash = hashApiKey(this.config.adminApiKey);
    await this.stored.insertIfAbsent({
      id: uuidv7(),
      name: 'owner (ADMIN_API_KEY)',
      keyHash: hash,
      keyLookup: hash.slice(0, 16),
      keyPrefix: this.config.adminApiKey.slice(0, 6),
      scopes: ['owner', 'read', 'write'],
      appIds: null,
    });
  }

  async authenticate(plain: string): Promise<AuthenticatedKey | null> {
    const hash = Buffer.from(hashApiKey(plain), 'hex');
    const candidates = await this.stored.activeByLookup(hash.toString('hex').slice(0, 16));
    const key = candidates.find((k) => {
      const stored = Buffer.from(k.keyHash, 'hex');
      return stored.length === hash.length && timingSafeEqual(stored, hash);
    });
    if (!key) return null;
    await this.touch(key.id);
    return { id: key.id, scopes: key.scopes, scope: appScope(key.appIds) };
  }

  /** Best effort: a failed write of last_used_at must not fail the request it belongs to. */
  private async touch(id: string): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    this.touched.set(id, now);
    await this.stored.touch(id).catch(() => undefined);
  }

  async create(name: string, scopes: ApiScope[], appIds: string[] | undefined) {
    if (appIds) {
      const known = await this.apps.count({ where: { id: In(appIds) } });
      if (known !== appIds.length) throw notFound('app', 'appIds');
    }
    const key = newSecret('lbk');
    const hash = hashApiKey(key);
    const entity = await this.keys.save(
      this.keys.create({
        id: uuidv7(),
        name,
        keyHash: hash,
        keyLookup: hash.slice(0, 16),
        keyPrefix: key.slice(0, 8),
        scopes,
        appIds: appIds ?? null,
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    return { id: entity.id, name: entity.name, scopes: entity.scopes, appIds: entity.appIds, key, createdAt: entity.createdAt };
  }

  list(query: ListQuery) {
    return listPage(this.keys, query, {}, apiKeyView);
  }

  /** Revoking twice answers the same revoked key; the caller's own key cannot be revoked by itself. */
  async revoke(id: string, callerKeyId: string | undefined) {
    if (id === callerKeyId) {
      throw new LookbackError('conflict', 'cannot_revoke_own_key', 'A key cannot revoke itself; use another owner key.');
    }
    const key = await this.keys.findOne({ where: { id } });
    if (!key) throw notFound('api_key');
    if (!key.revokedAt) {
      await this.stored.revoke(id);
    }
    return apiKeyView((await this.keys.findOne({ where: { id } }))!);
  }
}
