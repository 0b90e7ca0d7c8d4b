import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Explanation, MatchType } from '@app/domain';

export type InstallStatus = 'pending' | 'attributed' | 'organic' | 'rejected' | 'reinstall';

@Entity({ name: 'installs' })
export class InstallEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** First in the primary key: installs are distributed by app on Citus (docs/scaling.md). */
  @PrimaryColumn('uuid', { name: 'app_id' })
  appId!: string;

  /** The client's idempotency key. */
  @Column('text', { name: 'install_id' })
  installId!: string;

  @Column('timestamptz', { name: 'installed_at' })
  installedAt!: Date;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('text', { nullable: true })
  gaid!: string | null;

  @Column('text', { nullable: true })
  idfa!: string | null;

  @Column('text', { nullable: true })
  idfv!: string | null;

  @Column('text', { name: 'android_id', nullable: true })
  androidId!: string | null;

  @Column('inet', { nullable: true })
  ip!: string | null;

  @Column('text', { name: 'user_agent', nullable: true })
  userAgent!: string | null;

  @Column('text', { name: 'ua_key', nullable: true })
  uaKey!: string | null;

  @Column('text', { nullable: true })
  referrer!: string | null;

  @Column('boolean', { name: 'consent_attribution', nullable: true })
  consentAttribution!: boolean | null;

  @Column('boolean', { name: 'consent_retargeting', nullable: true })
  consentRetargeting!: boolean | null;

  @Column('text')
  status!: InstallStatus;

  @Column('uuid', { name: 'campaign_id', nullable: true })
  campaignId!: string | null;

  /** The winning touch (a click or an impression). */
  @Column('uuid', { name: 'touch_id', nullable: true })
  touchId!: string | null;

  @Column('text', { name: 'touch_kind', nullable: true })
  touchKind!: 'click' | 'impression' | null;

  @Column('text', { name: 'match_type', nullable: true })
  matchType!: MatchType | null;

  @Column('int', { name: 'ctit_seconds', nullable: true })
  ctitSeconds!: number | null;

  /** Why a rejected install was rejected (e.g. click_injection); null otherwise. */
  @Column('text', { name: 'rejection_reason', nullable: true })
  rejectionReason!: string | null;

  @Column('jsonb', { nullable: true })
  explanation!: Explanation | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;
}
