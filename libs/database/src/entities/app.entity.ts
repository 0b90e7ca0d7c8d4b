import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FraudModes, PixelMonitorSettings } from '@app/domain';

export type Platform = 'ios' | 'android' | 'web';

@Entity({ name: 'apps' })
export class AppEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  platform!: Platform;

  @Column('text', { name: 'bundle_id' })
  bundleId!: string;

  @Column('text', { name: 'store_url', nullable: true })
  storeUrl!: string | null;

  /** HMAC key of the SDK and the advertiser's server; kept readable because every request is verified with it. */
  @Column('text', { name: 'sdk_secret' })
  sdkSecret!: string;

  @Column('int', { name: 'min_ctit_seconds', default: 10 })
  minCtitSeconds!: number;

  @Column('int', { name: 'reattribution_days', default: 90 })
  reattributionDays!: number;

  /** Event names the pixel accepts; null accepts any. */
  @Column('text', { name: 'pixel_events', array: true, nullable: true })
  pixelEvents!: string[] | null;

  /** Watches the pixel and alerts `webhookUrl` when a watched event goes silent or is rejected; null: off. */
  @Column('jsonb', { name: 'pixel_monitor', nullable: true })
  pixelMonitor!: PixelMonitorSettings | null;

  /** Clicks and impressions from these networks never win (or, in shadow mode, are only flagged). */
  @Column('cidr', { name: 'ip_blocklist', array: true, default: () => "'{}'" })
  ipBlocklist!: string[];

  /** More clicks than this from one IP or device inside the fingerprint window: it cannot win on fingerprint. */
  @Column('int', { name: 'click_flood_threshold', default: 50 })
  clickFloodThreshold!: number;

  @Column('jsonb', { name: 'fraud_modes' })
  fraudModes!: FraudModes;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
