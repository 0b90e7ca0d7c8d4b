import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CampaignStatus = 'active' | 'paused' | 'archived';

@Entity({ name: 'campaigns' })
@Index('campaigns_app_id_idx', ['appId', 'id'])
export class CampaignEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'app_id' })
  appId!: string;

  @Column('uuid', { name: 'network_id' })
  networkId!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'destination_url' })
  destinationUrl!: string;

  @Column('text', { default: 'active' })
  status!: CampaignStatus;

  @Column('int', { name: 'click_lookback_hours', default: 168 })
  clickLookbackHours!: number;

  @Column('int', { name: 'view_lookback_hours', default: 24 })
  viewLookbackHours!: number;

  @Column('int', { name: 'fingerprint_lookback_hours', default: 24 })
  fingerprintLookbackHours!: number;

  /** Money is exact: numeric in PostgreSQL, a decimal string in TypeScript. */
  @Column('numeric', { name: 'cost_per_install', precision: 14, scale: 4, nullable: true })
  costPerInstall!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
