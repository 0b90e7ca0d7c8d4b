import fc from 'fast-check';
import { DESTINATION_MACROS, POSTBACK_MACROS, describeUrlTemplateProblem, expandMacros, fillMacros, urlTemplateProblem } from './macros';

describe('fillMacros', () => {
  it('fills placeholders with their values', () => {
    expect(
      fillMacros('https://net.example/pb?cid={click_id}&camp={campaign_id}&rev={revenue}', {
        click_id: 'abc123',
        campaign_id: 'camp-1',
        revenue: 4.99,
      }),
    ).toBe('https://net.example/pb?cid=abc123&camp=camp-1&rev=4.99');
  });

  it('URL-encodes values', () => {
    expect(fillMacros('https://n.example/?e={event_name}', { event_name: 'add to cart&x=1/?#é' })).toBe(
      'https://n.example/?e=add%20to%20cart%26x%3D1%2F%3F%23%C3%A9',
    );
  });

  it('leaves unknown placeholders as written', () => {
    expect(fillMacros('https://n.example/?a={click_id}&b={their_macro}&c={{x}}', { click_id: '1' })).toBe(
      'https://n.example/?a=1&b={their_macro}&c={{x}}',
    );
  });

  it('leaves placeholders that are not lower-case snake_case alone', () => {
    expect(fillMacros('{Click_ID}{click-id}{ click_id }', { click_id: '1' })).toBe('{Click_ID}{click-id}{ click_id }');
  });

  it('turns absent (null/undefined) values into empty strings', () => {
    expect(fillMacros('?g={gaid}&i={idfa}&r={revenue}', { gaid: null, idfa: undefined, revenue: 0 })).toBe('?g=&i=&r=0');
  });

  it('fills every occurrence of the same placeholder', () => {
    expect(fillMacros('{app_id}/{app_id}', { app_id: 'a b' })).toBe('a%20b/a%20b');
  });

  it('does not expand a placeholder that appears inside a value', () => {
    expect(fillMacros('{click_id}-{gaid}', { click_id: '{gaid}', gaid: 'g' })).toBe('%7Bgaid%7D-g');
  });

  it('does not treat inherited object properties as values', () => {
    expect(fillMacros('{constructor}{to_string}', {})).toBe('{constructor}{to_string}');
  });

  it('names the macros of the contract', () => {
    expect([...POSTBACK_MACROS].sort()).toEqual(
      [
        'click_id',
        'lookback_click_id',
        'install_id',
        'campaign_id',
        'app_id',
        'event_name',
        'revenue',
        'currency',
        'revenue_usd',
        'gaid',
        'idfa',
        'match_type',
        'install_time',
      ].sort(),
    );
    expect([...DESTINATION_MACROS].sort()).toEqual(['campaign_id', 'click_id', 'lookback_click_id']);
  });
});

/** Scheme, user info, host and port of a URL: what no macro value may change. */
function origin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username}:${u.password}@${u.host}`;
}

describe('urlTemplateProblem', () => {
  it.each([
    ['https://example.com/p?c={click_id}'],
    ['https://example.com/{campaign_id}/x#{lookback_click_id}'],
    ['https://example.com:8443/{click_id}'],
    ['https://user:pw@example.com/{click_id}'],
    ['market://details?id=com.a&referrer=c%3D{click_id}'],
    ['itms-apps://apps.apple.com/app/id1?c={click_id}'],
    ['https://example.com\\{click_id}'],
    ['https://example.com?{click_id}'],
    ['https://example.com/?a={their_macro}'],
  ])('accepts %s', (template) => {
    expect(urlTemplateProblem(template)).toBeUndefined();
  });

  it.each([
    ['https://{click_id}', 'click_id', 'host'],
    ['https://{click_id}/x', 'click_id', 'host'],
    ['https://example.com{click_id}/x', 'click_id', 'host'],
    ['https://{campaign_id}.example.com/', 'campaign_id', 'host'],
    ['https://example.{click_id}/', 'click_id', 'host'],
    ['https://[::{click_id}]/', 'click_id', 'host'],
    ['https://10.0.0.{click_id}/', 'click_id', 'host'],
    ['https://example.com:{click_id}/', 'click_id', 'port'],
    ['https://example.com:80{click_id}/', 'click_id', 'port'],
    ['https://{click_id}@example.com/', 'click_id', 'userinfo'],
    ['https://u:{click_id}@example.com/', 'click_id', 'userinfo'],
    ['{click_id}://example.com/', 'click_id', 'scheme'],
    ['http{click_id}://example.com/', 'click_id', 'scheme'],
    ['https:{click_id}', 'click_id', 'host'],
    ['https:/{click_id}/x', 'click_id', 'host'],
    ['https:///{click_id}', 'click_id', 'host'],
    ['market://{click_id}', 'click_id', 'host'],
    ['https://example.com/?x={gaid}&h=https://{their_macro}.evil/', 'their_macro', undefined],
  ])('refuses %s: {%s} in the %s', (template, macro, part) => {
    if (part === undefined) return expect(urlTemplateProblem(template)).toBeUndefined(); // in the query, not the origin
    expect(urlTemplateProblem(template)).toEqual({ kind: 'macro_in_origin', macro, part });
  });

  it.each([['not a url'], ['/relative/{click_id}'], ['{click_id}'], ['https://exa mple.com/']])('%s is not a URL', (t) => {
    expect(urlTemplateProblem(t)).toEqual({ kind: 'not_a_url' });
  });

  it('says what is wrong in words', () => {
    expect(describeUrlTemplateProblem('destinationUrl', { kind: 'macro_in_origin', macro: 'click_id', part: 'host' })).toMatch(
      /^destinationUrl puts \{click_id\} in its host/,
    );
  });
});

describe('expandMacros', () => {
  it('fills a safe template', () => {
    expect(expandMacros('https://example.com/x?c={click_id}', { click_id: 'a/b' })).toEqual({
      ok: true,
      url: 'https://example.com/x?c=a%2Fb',
    });
  });

  it.each([
    ['https://{click_id}', 'evil.example'],
    ['https://example.com{click_id}/x', '.evil.example'],
    ['https://{click_id}@example.com/', 'x'],
    ['https://example.com:{click_id}/', '8080'],
  ])('never redirects %s with click_id=%s', (template, clickId) => {
    const expanded = expandMacros(template, { click_id: clickId });
    expect(expanded.ok).toBe(false);
  });

  it('refuses a macro in the host even when its value happens to equal a probe', () => {
    expect(expandMacros('https://{click_id}.example.com/', { click_id: 'lbmacroa' }).ok).toBe(false);
  });

  // Hostile values a clicker would try, beside arbitrary text.
  const hostile = fc.oneof(
    fc.constantFrom('evil.example', '@evil.example', '//evil.example', '\\\\evil.example', '..', '.', '%2e%2e', ':8080',
      '?x', '#x', '[::1]', 'a@b:c', '\u0000', '\ud800', 'é', '%', '%40evil', 'https://evil.example/'),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
  );
  const values = fc.record(
    { click_id: hostile, lookback_click_id: hostile, campaign_id: hostile, gaid: fc.option(hostile, { nil: null }) },
    { requiredKeys: [] },
  );
  // Templates built from the pieces URL parsers disagree about: delimiters, brackets, backslashes, macros anywhere.
  const piece = fc.constantFrom(
    'https:', 'http:', 'market:', '//', '/', '\\', '@', ':', '?', '#', '.', '[', ']', '::1', '8080', 'example.com',
    'u:p', '%2F', '%40', 'x', '{click_id}', '{campaign_id}', '{lookback_click_id}', '{gaid}', '{unknown}',
  );
  const template = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));

  it('property: for any template and any macro values, an expanded URL keeps the template\'s origin', () => {
    fc.assert(
      fc.property(template, values, values, (t, a, b) => {
        const x = expandMacros(t, a);
        const y = expandMacros(t, b);
        // Whether a template may be used never depends on the values.
        expect(x.ok).toBe(y.ok);
        if (x.ok && y.ok) {
          expect(origin(x.url)).toBe(origin(y.url));
          expect(origin(x.url)).toBe(origin(fillMacros(t, {})));
          expect(urlTemplateProblem(t)).toBeUndefined();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a safe origin with macros in the path, query and fragment always expands, to that origin', () => {
    const base = fc.constantFrom('https://example.com', 'http://u:p@example.com:8080', 'market://details', 'https://[2001:db8::1]');
    const tail = fc.array(fc.constantFrom('/', '?', '&', '=', '#', 'a', '{click_id}', '{campaign_id}', '{gaid}'), { maxLength: 10 });
    fc.assert(
      fc.property(base, tail, values, (b, t, v) => {
        const expanded = expandMacros(`${b}/${t.join('')}`, v);
        expect(expanded.ok).toBe(true);
        if (expanded.ok) expect(origin(expanded.url)).toBe(origin(`${b}/`));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a macro placed in the scheme, user info, host or port is always refused', () => {
    const placed = fc.constantFrom(
      (m: string) => `${m}://example.com/`,
      (m: string) => `https://${m}/`,
      (m: string) => `https://${m}.example.com/`,
      (m: string) => `https://example.com${m}/`,
      (m: string) => `https://${m}@example.com/`,
      (m: string) => `https://example.com:${m}/`,
      (m: string) => `https://example.com:4${m}/`,
    );
    const macro = fc.constantFrom('{click_id}', '{campaign_id}', '{lookback_click_id}', '{x}');
    fc.assert(
      fc.property(placed, macro, values, (place, m, v) => {
        expect(urlTemplateProblem(place(m))).toMatchObject({ kind: 'macro_in_origin' });
        expect(expandMacros(place(m), v).ok).toBe(false);
      }),
    );
  });
});
