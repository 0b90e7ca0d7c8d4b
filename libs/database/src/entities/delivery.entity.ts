import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryKind = 'postback' | 'webhook' | 'alert';
/**
 * `sending`: an attempt is open (written before the call). `unknown`: an attempt was interrupted (worker died,
 * or the call failed after the partner may have received it) and the partner cannot be trusted to drop a repeat:
 * not sent again without a person deciding (`POST /v1/deliveries/{id}/retry`).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'unknown';
/** `sending`: written before the call; the others are written after it, or by the sweep of interrupted attempts. */
export type AttemptRowOutcome = 'sending' | 'ok' | 'error' | 'uncertain' | 'interrupted';

/** The outbox: one row per outbound call owed, written in the same transaction as the decision that owes it. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** First in the primary key and the unique (app_id, kind, subject_id): deliveries live on their app's shard. */
  @PrimaryColumn('uuid', { name: 'app_id' })
  appId!: string;

  @Column('text')
  kind!: DeliveryKind;

  /** What the delivery is about: an install, an event, an audience change. At most one delivery per kind and subject. */
  @Column('uuid', { name: 'subject_id' })
  subjectId!: string;

  @Column('text', { name: 'subject_type' })
  subjectType!: string;

  @Column('uuid', { name: 'network_id', nullable: true })
  networkId!: string | null;

  @Column('text')
  method!: 'GET' | 'POST';

  @Column('text')
  url!: string;

  @Column('text', { nullable: true })
  body!: string | null;

  @Column('text')
  status!: DeliveryStatus;

  @Column('int')
  attempts!: number;

  @Column('int', { name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  /** A worker's claim while it calls out, so two workers never send the same delivery at once. */
  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;
}

@Entity({ name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryColumn('uuid', { name: 'app_id' })
  appId!: string;

  @PrimaryColumn('bigint')
  id!: string;

  @Column('uuid', { name: 'delivery_id' })
  deliveryId!: string;

  @Column('int')
  attempt!: number;

  @Column('timestamptz', { name: 'attempted_at' })
  attemptedAt!: Date;

  @Column('int', { name: 'status_code', nullable: true })
  statusCode!: number | null;

  @Column('text', { nullable: true })
  error!: string | null;

  @Column('text')
  outcome!: AttemptRowOutcome;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Column('int', { name: 'duration_ms', nullable: true })
  durationMs!: number | null;
}
