import { Column, Entity, PrimaryColumn } from 'typeorm';

/** US dollars per one unit of a currency; revenue_usd = revenue × usd_per_unit, computed exactly. */
@Entity({ name: 'fx_rates' })
export class FxRateEntity {
  @PrimaryColumn('text')
  currency!: string;

  /** A decimal string: money never passes through a float. */
  @Column('numeric', { name: 'usd_per_unit', precision: 24, scale: 12 })
  usdPerUnit!: string;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
