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
        test: false,
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

describe('pixel hits that still carry a snippet placeholder', () => {
  it('refuses every unedited placeholder and unexpanded template, naming the parameter', () => {
    const cases: [Record<string, string>, string][] = [
      [{ e: 'EVENT_NAME' }, 'e'],
      [{ e: 'EVENT_NAME', uid: 'USER_ID' }, 'e'],
      [{ e: 'purchase', uid: 'USER_ID' }, 'uid'],
      [{ e: 'purchase', v: 'REVENUE', cur: 'CURRENCY' }, 'v'],
      [{ e: 'purchase', v: '9.99', cur: 'CURRENCY' }, 'cur'],
      [{ e: 'purchase', eid: 'ORDER_ID' }, 'eid'],
      [{ e: 'purchase', lcid: 'LOOKBACK_CLICK_ID' }, 'lcid'],
      [{ e: 'purchase', uid: '{{user.id}}' }, 'uid'],
      [{ e: 'purchase', v: '{revenue}', cur: 'EUR' }, 'v'],
      [{ e: 'purchase', eid: '${orderId}' }, 'eid'],
      [{ e: 'purchase', eid: '%%ORDER_ID%%' }, 'eid'],
      [{ e: 'purchase', uid: '[USER_ID]' }, 'uid'],
      [{ e: 'purchase', uid: '<USER_ID>' }, 'uid'],
      [{ e: 'purchase', url: 'PAGE_URL' }, 'url'],
    ];
    for (const [query, param] of cases) {
      const r = parsePixelHit(query, null);
      expect(r).toMatchObject({ ok: false, reason: 'placeholder' });
      expect(!r.ok && r.message).toMatch(new RegExp(`^${param.replace('$', '\\$')} is still the placeholder`));
    }
  });

  it('counts the hit under its event name when only another parameter is a placeholder', () => {
    expect(parsePixelHit({ e: 'purchase', uid: 'USER_ID' }, null)).toMatchObject({ name: 'purchase' });
    expect(parsePixelHit({ e: 'EVENT_NAME' }, null)).toMatchObject({ name: '(placeholder)' });
    // Even where the app restricts names, the placeholder is the reason that tells the marketer what to fix.
    expect(parsePixelHit({ e: 'EVENT_NAME' }, ['purchase'])).toMatchObject({ reason: 'placeholder' });
  });

  it('accepts real values that merely look alike', () => {
    for (const query of [
      { e: 'event_name' },
      { e: 'purchase', uid: 'user_id_42' },
      { e: 'purchase', uid: 'USER_ID_42' },
      { e: 'purchase', eid: 'order-{1}' },
      { e: 'purchase', url: 'https://shop.example/p/[sku]' },
    ]) {
      expect(parsePixelHit(query, null)).toMatchObject({ ok: true });
    }
  });
});

describe('pixel test hits', () => {
  it('are checked like any hit and marked as tests', () => {
    expect(parsePixelHit({ e: 'purchase', v: '5', cur: 'EUR', test: '1' }, null)).toMatchObject({ ok: true, event: { test: true } });
    expect(parsePixelHit({ e: 'purchase' }, null)).toMatchObject({ ok: true, event: { test: false } });
    expect(parsePixelHit({ e: 'purchase', v: '5', test: '1' }, null)).toMatchObject({ ok: false, reason: 'currency_required', test: true });
    expect(parsePixelHit({ e: 'EVENT_NAME', test: 'true' }, null)).toMatchObject({ ok: false, reason: 'placeholder', test: true });
  });
});
