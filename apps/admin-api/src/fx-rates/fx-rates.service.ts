import { Injectable } from '@nestjs/common';
import { FxRatesRepository } from '@app/database';
import { decimalFromNumber, invalid, isCurrency, trimDecimal } from '@app/domain';

const MAX_RATES = 200;

@Injectable()
export class FxRatesService {
  constructor(private readonly rates: FxRatesRepository) {}

  /** `rates` as exact decimal strings (money never goes through a float), with when each was set. */
  async list() {
    const rows = await this.rates.list();
    return {
      rates: Object.fromEntries(rows.map((r) => [r.currency, trimDecimal(r.usdPerUnit)])),
      items: rows.map((r) => ({ currency: r.currency, usdPerUnit: trimDecimal(r.usdPerUnit), updatedAt: r.updatedAt })),
    };
  }

  async upsert(rates: Record<string, unknown>) {
    const entries = Object.entries(rates);
    if (entries.length === 0) throw invalid('invalid_field', 'rates must name at least one currency.', 'rates');
    if (entries.length > MAX_RATES) throw invalid('invalid_field', `rates may name at most ${MAX_RATES} currencies.`, 'rates');
    const checked = entries.map(([currency, value]) => {
      const field = `rates.${currency}`;
      if (!isCurrency(currency)) throw invalid('unknown_currency', `${currency} is not an ISO 4217 currency code.`, field);
      const rate = typeof value === 'number' && value > 0 && value < 1e9 ? decimalFromNumber(value) : undefined;
      if (rate === undefined) throw invalid('invalid_rate', `${field} must be a positive number of US dollars per unit.`, field);
      // numeric(24, 12) keeps 12 decimals; refusing more is better than silently rounding a rate.
      if ((rate.split('.')[1]?.length ?? 0) > 12) throw invalid('invalid_rate', `${field} must have at most 12 decimals.`, field);
      if (currency === 'USD' && rate !== '1') throw invalid('invalid_rate', 'rates.USD is 1 by definition.', field);
      return [currency, rate] as const;
    });
    await this.rates.upsert(checked);
    return this.list();
  }
}
