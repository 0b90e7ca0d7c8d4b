import { DESTINATION_MACROS, POSTBACK_MACROS, expandMacros } from './macros';

describe('expandMacros', () => {
  it('fills placeholders with their values', () => {
    expect(
      expandMacros('https://net.example/pb?cid={click_id}&camp={campaign_id}&rev={revenue}', {
        click_id: 'abc123',
        campaign_id: 'camp-1',
        revenue: 4.99,
      }),
    ).toBe('https://net.example/pb?cid=abc123&camp=camp-1&rev=4.99');
  });

  it('URL-encodes values', () => {
    expect(expandMacros('https://n.example/?e={event_name}', { event_name: 'add to cart&x=1/?#é' })).toBe(
      'https://n.example/?e=add%20to%20cart%26x%3D1%2F%3F%23%C3%A9',
    );
  });

  it('leaves unknown placeholders as written', () => {
    expect(expandMacros('https://n.example/?a={click_id}&b={their_macro}&c={{x}}', { click_id: '1' })).toBe(
      'https://n.example/?a=1&b={their_macro}&c={{x}}',
    );
  });

  it('leaves placeholders that are not lower-case snake_case alone', () => {
    expect(expandMacros('{Click_ID}{click-id}{ click_id }', { click_id: '1' })).toBe('{Click_ID}{click-id}{ click_id }');
  });

  it('turns absent (null/undefined) values into empty strings', () => {
    expect(expandMacros('?g={gaid}&i={idfa}&r={revenue}', { gaid: null, idfa: undefined, revenue: 0 })).toBe('?g=&i=&r=0');
  });

  it('fills every occurrence of the same placeholder', () => {
    expect(expandMacros('{app_id}/{app_id}', { app_id: 'a b' })).toBe('a%20b/a%20b');
  });

  it('does not expand a placeholder that appears inside a value', () => {
    expect(expandMacros('{click_id}-{gaid}', { click_id: '{gaid}', gaid: 'g' })).toBe('%7Bgaid%7D-g');
  });

  it('does not treat inherited object properties as values', () => {
    expect(expandMacros('{constructor}{to_string}', {})).toBe('{constructor}{to_string}');
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
