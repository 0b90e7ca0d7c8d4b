import fc from 'fast-check';
import { checkRevenue, decimalFromNumber, decimalFromText, isCurrency, multiplyDecimal, toUsd, trimDecimal } from './money';

describe('decimalFromNumber', () => {
  it('gives back the decimal the client wrote', () => {
    expect(decimalFromNumber(4.99)).toBe('4.99');
    expect(decimalFromNumber(0.1)).toBe('0.1');
    expect(decimalFromNumber(100)).toBe('100');
    expect(decimalFromNumber(-2.5)).toBe('-2.5');
    expect(decimalFromNumber(-0)).toBe('0');
  });

  it('expands exponent forms instead of storing "1e-7"', () => {
    expect(decimalFromNumber(1e-7)).toBe('0.0000001');
    expect(decimalFromNumber(1.5e-7)).toBe('0.00000015');
    expect(decimalFromNumber(1e21)).toBe('1000000000000000000000');
    expect(decimalFromNumber(-1.25e-9)).toBe('-0.00000000125');
  });

  it('refuses what cannot be stored exactly as sent', () => {
    expect(decimalFromNumber(Number.NaN)).toBeUndefined();
    expect(decimalFromNumber(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(decimalFromNumber(0.1 + 0.2)).toBeUndefined(); // 0.30000000000000004: 17 significant digits
  });

  it('round-trips every number of up to 15 significant digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 0, max: 3 }), (units, places) => {
        const n = units / 10 ** places;
        const d = decimalFromNumber(n);
        expect(d).toBeDefined();
        expect(Number(d)).toBe(n);
      }),
    );
  });
});

describe('decimalFromText', () => {
  it('normalizes leading zeros and keeps trailing ones', () => {
    expect(decimalFromText('004.990')).toBe('4.990');
    expect(decimalFromText('0.5')).toBe('0.5');
    expect(decimalFromText('-0012')).toBe('-12');
  });
  it('refuses anything but a plain decimal', () => {
    for (const bad of ['', '.5', '5.', '1e3', '0x10', '1,5', 'NaN', '+1', '1 2', '1234567890123456']) {
      expect(decimalFromText(bad)).toBeUndefined();
    }
  });
});

describe('trimDecimal', () => {
  it('drops trailing fraction zeros only', () => {
    expect(trimDecimal('5.389200')).toBe('5.3892');
    expect(trimDecimal('100.000000')).toBe('100');
    expect(trimDecimal('-0.500')).toBe('-0.5');
    expect(trimDecimal('1200')).toBe('1200');
  });
});

describe('multiplyDecimal / toUsd', () => {
  it('is exact where floats are not', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(multiplyDecimal('0.1', '3', 6)).toBe('0.3');
    expect(toUsd('4.99', '1.08')).toBe('5.3892');
    expect(toUsd('19.99', '1.0835')).toBe('21.659165');
    expect(toUsd('1000', '0.0067')).toBe('6.7');
  });

  it('rounds half away from zero at 6 decimals', () => {
    expect(toUsd('0.0000005', '1')).toBe('0.000001');
    expect(toUsd('0.0000004', '1')).toBe('0');
    expect(toUsd('-0.0000005', '1')).toBe('-0.000001');
    expect(toUsd('-4.99', '1.08')).toBe('-5.3892');
  });

  it('agrees with integer arithmetic on cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (cents, rate) => {
        // cents / 100 × rate / 10000 has at most 6 decimals, so no rounding happens.
        const amount = decimalFromText((cents / 100).toFixed(2))!;
        const r = decimalFromText((rate / 10_000).toFixed(4))!;
        const exact = BigInt(cents) * BigInt(rate);
        const expected = multiplyDecimal(exact.toString(), '1', 0);
        expect(multiplyDecimal(toUsd(amount, r), '1000000', 0)).toBe(expected);
      }),
    );
  });
});

describe('checkRevenue', () => {
  it('takes a JSON null revenue or currency as none sent (was a 500 from the events endpoint)', () => {
    expect(checkRevenue({ name: 'purchase', revenue: null, currency: 'EUR' })).toEqual({ ok: true, value: undefined });
    expect(checkRevenue({ name: 'purchase', revenue: null, currency: null })).toEqual({ ok: true, value: undefined });
    expect(checkRevenue({ name: 'purchase', revenue: 1, currency: null })).toMatchObject({ ok: false, code: 'currency_required' });
  });

  it('accepts revenue with a known currency, as an exact decimal', () => {
    expect(checkRevenue({ name: 'purchase', revenue: 4.99, currency: 'EUR' })).toEqual({
      ok: true,
      value: { revenue: '4.99', currency: 'EUR' },
    });
    expect(checkRevenue({ name: 'purchase', revenue: '12.50', currency: 'USD' })).toEqual({
      ok: true,
      value: { revenue: '12.50', currency: 'USD' },
    });
    expect(checkRevenue({ name: 'open' })).toEqual({ ok: true, value: undefined });
  });

  it('needs a currency for revenue, and a real one', () => {
    expect(checkRevenue({ name: 'purchase', revenue: 1 })).toMatchObject({ ok: false, code: 'currency_required', field: 'currency' });
    for (const currency of ['eur', 'EURO', 'XYZ', 'US$']) {
      expect(checkRevenue({ name: 'purchase', revenue: 1, currency })).toMatchObject({ ok: false, code: 'unknown_currency' });
    }
  });

  it('takes negative revenue only on refunds', () => {
    expect(checkRevenue({ name: 'purchase', revenue: -1, currency: 'USD' })).toMatchObject({ ok: false, code: 'negative_revenue' });
    expect(checkRevenue({ name: 'refund', revenue: -4.99, currency: 'USD' })).toEqual({
      ok: true,
      value: { revenue: '-4.99', currency: 'USD' },
    });
  });

  it('refuses revenue too large or too precise to keep exactly', () => {
    expect(checkRevenue({ name: 'purchase', revenue: 1e12, currency: 'USD' })).toMatchObject({ ok: false, code: 'invalid_revenue' });
    expect(checkRevenue({ name: 'purchase', revenue: 0.1 + 0.2, currency: 'USD' })).toMatchObject({ ok: false, code: 'invalid_revenue' });
  });

  it('knows the major currencies', () => {
    for (const c of ['USD', 'EUR', 'GBP', 'JPY', 'BRL', 'INR', 'KRW']) expect(isCurrency(c)).toBe(true);
    expect(isCurrency('usd')).toBe(false);
  });
});
