import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type ApiScope = 'read' | 'write' | 'owner';

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** SHA-256 of the key; the key itself is shown once at creation and never stored. */
  @Column('text', { name: 'key_hash', unique: true })
  keyHash!: string;

  /** The first 16 hex digits of `keyHash`: finds the row; the whole hash is then compared in constant time. */
  @Column('text', { name: 'key_lookup' })
  keyLookup!: string;

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @Column('text', { array: true })
  scopes!: ApiScope[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** The only apps this key may see; `null` is every app. */
  @Column('uuid', { name: 'app_ids', array: true, nullable: true })
  appIds!: string[] | null;

  /** Written at most once a minute per key, so a busy key does not write on every request. */
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;
}
