import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MatchType } from '@app/domain';

export type EventSource = 'sdk' | 'pixel';
/** pending: not processed yet; waiting: its install has not been decided; linked: inherits the install's attribution; unlinked: a web event with no install. */
export type EventStatus = 'pending' | 'waiting' | 'linked' | 'unlinked';

@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @PrimaryColumn('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @PrimaryColumn('uuid', { name: 'app_id' })
  appId!: string;

  @Column('text')
  source!: EventSource;

  /** The client's idempotency key (`eventId`, or the pixel's `eid`). */
  @Column('text', { name: 'event_id', nullable: true })
  eventId!: string | null;

  /** The client's installId, as the install was sent with. */
  @Column('text', { name: 'install_id', nullable: true })
  installId!: string | null;

  @Column('text')
  name!: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('numeric', { nullable: true })
  revenue!: string | null;

  @Column('text', { nullable: true })
  currency!: string | null;

  @Column('numeric', { name: 'revenue_usd', precision: 24, scale: 6, nullable: true })
  revenueUsd!: string | null;

  @Column('jsonb', { nullable: true })
  properties!: Record<string, unknown> | null;

  @Column('boolean', { name: 'consent_attribution', nullable: true })
  consentAttribution!: boolean | null;

  @Column('boolean', { name: 'consent_retargeting', nullable: true })
  consentRetargeting!: boolean | null;

  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { name: 'page_url', nullable: true })
  pageUrl!: string | null;

  @Column('uuid', { name: 'click_id', nullable: true })
  clickId!: string | null;

  @Column('text')
  status!: EventStatus;

  /** Lookback's id of the install this event belongs to. */
  @Column('uuid', { name: 'install_ref', nullable: true })
  installRef!: string | null;

  @Column('uuid', { name: 'campaign_id', nullable: true })
  campaignId!: string | null;

  @Column('text', { name: 'match_type', nullable: true })
  matchType!: MatchType | null;

  @Column('timestamptz', { name: 'linked_at', nullable: true })
  linkedAt!: Date | null;
}
