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

  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @Column('text', { array: true })
  scopes!: ApiScope[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
