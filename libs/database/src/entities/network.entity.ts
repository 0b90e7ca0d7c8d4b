import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'networks' })
export class NetworkEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'install_postback_url', nullable: true })
  installPostbackUrl!: string | null;

  @Column('text', { name: 'event_postback_url', nullable: true })
  eventPostbackUrl!: string | null;

  @Column('text', { name: 'postback_events', array: true, default: () => "'{}'" })
  postbackEvents!: string[];

  /**
   * The network drops a repeated postback for the same click id. Only then is a postback whose attempt was
   * interrupted sent again; otherwise it becomes `unknown`.
   */
  @Column('boolean', { name: 'dedupes_click_id', default: false })
  dedupesClickId!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
