import { parsePixelHit, propertiesProblem } from './events';

describe('parsePixelHit', () => {
  it('reads a good hit, taking the page URL from the Referer when url is absent', () => {
    const r = parsePixelHit(
      { e: 'purchase', uid: 'u-1', v: '19.90', cur: 'EUR', eid: 'order-7', lcid: '0190A1B2-0000-7000-8000-000000000001' },
      null,
      'https://shop.example/thanks',
    );
    expect(r).toEqual({
      ok: true,
      event: {
        name: 'purchase',
        userId: 'u-1',
        eventId: 'order-7',
        clickId: '0190a1b2-0000-7000-8000-000000000001',
        revenue: { revenue: '19.90', currency: 'EUR' },
        pageUrl: 'https://shop.example/thanks',
        referrer: null,
        consentAttribution: null,
      },
    });
  });

  it('names the reason for every bad hit', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{}, 'missing_event', '(none)'],
      [{ e: 'has space' }, 'invalid_event', '(invalid)'],
      [{ e: 'signup', v: 'abc', cur: 'USD' }, 'invalid_revenue', 'signup'],
      [{ e: 'signup', v: '1' }, 'currency_required', 'signup'],
      [{ e: 'signup', v: '1', cur: 'ZZZ' }, 'unknown_currency', 'signup'],
      [{ e: 'signup', v: '-1', cur: 'USD' }, 'negative_revenue', 'signup'],
      [{ e: 'signup', lcid: 'nope' }, 'invalid_click_id', 'signup'],
      [{ e: 'signup', eid: 'x'.repeat(129) }, 'invalid_event_id', 'signup'],
    ];
    for (const [query, reason, name] of cases) expect(parsePixelHit(query, null)).toMatchObject({ ok: false, reason, name });
  });

  it("refuses names outside the app's pixel events", () => {
    expect(parsePixelHit({ e: 'lead' }, ['purchase'])).toMatchObject({ ok: false, reason: 'event_not_allowed', name: 'lead' });
    expect(parsePixelHit({ e: 'purchase' }, ['purchase'])).toMatchObject({ ok: true });
  });

  it('reads a refusal of attribution consent', () => {
    expect(parsePixelHit({ e: 'view', ca: '0' }, null)).toMatchObject({ ok: true, event: { consentAttribution: false } });
  });
});

describe('propertiesProblem', () => {
  it('allows up to 50 keys and 8 KB', () => {
    expect(propertiesProblem({ sku: 'gems' })).toBeUndefined();
    expect(propertiesProblem(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])))).toMatch(/50 keys/);
    expect(propertiesProblem({ blob: 'x'.repeat(8200) })).toMatch(/8192 bytes/);
    expect(propertiesProblem([1])).toMatch(/object/);
    expect(propertiesProblem(null)).toMatch(/object/);
  });
});

describe('propertiesProblem refuses what jsonb cannot store', () => {
  it.each([[{ a: '\ud800' }], [{ a: 'x\udc00' }], [{ '\ud83d': 1 }], [{ a: 'nul\u0000' }]])('refuses %j', (value) => {
    expect(propertiesProblem(value)).toMatch(/NUL|surrogate/);
  });
  it('accepts paired surrogates (emoji)', () => {
    expect(propertiesProblem({ a: 'gems 😀' })).toBeUndefined();
  });
});
