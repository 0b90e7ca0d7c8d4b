// The home of currency rates: set through the admin API, read when an event's revenue is normalized to USD.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from './sql';

export interface FxRateRow {
  currency: string;
  /** Exact decimal text (money never goes through a float). */
  usdPerUnit: string;
  updatedAt: Date;
}

@Injectable()
export class FxRatesRepository {
  constructor(private readonly db: DataSource) {}

  /** Every rate, by currency code. */
  async list(): Promise<FxRateRow[]> {
    const rows = await rowsOf<{ currency: string; usd_per_unit: string; updated_at: Date }>(
      this.db,
      'SELECT currency, usd_per_unit::text AS usd_per_unit, updated_at FROM fx_rates ORDER BY currency',
    );
    return rows.map((r) => ({ currency: r.currency, usdPerUnit: r.usd_per_unit, updatedAt: r.updated_at }));
  }

  /** US dollars per unit of `currency` as exact decimal text; undefined when no rate is set. */
  async rate(currency: string): Promise<string | undefined> {
    const [row] = await rowsOf<{ usd_per_unit: string }>(this.db, 'SELECT usd_per_unit::text AS usd_per_unit FROM fx_rates WHERE currency = $1', [
      currency,
    ]);
    return row?.usd_per_unit;
  }

  /** Sets these rates (currency, decimal text) in one statement; other currencies keep theirs. */
  async upsert(rates: readonly (readonly [string, string])[]): Promise<void> {
    await this.db.query(
      `INSERT INTO fx_rates (currency, usd_per_unit, updated_at)
       SELECT c, r, now() FROM unnest($1::text[], $2::numeric[]) AS t(c, r)
       ON CONFLICT (currency) DO UPDATE SET usd_per_unit = EXCLUDED.usd_per_unit, updated_at = now()`,
      [rates.map(([c]) => c), rates.map(([, r]) => r)],
    );
  }
}
