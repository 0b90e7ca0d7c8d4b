import { canonicalHash, canonicalJson } from './canonical';

describe('canonical body hash', () => {
  it('ignores key order and whitespace at every depth', () => {
    const a = { name: 'purchase', revenue: 4.99, properties: { sku: 'gems', qty: 2 } };
    const b = JSON.parse('{ "properties": {"qty":2, "sku":"gems"}, "revenue": 4.99, "name": "purchase" }');
    expect(canonicalJson(a)).toBe('{"name":"purchase","properties":{"qty":2,"sku":"gems"},"revenue":4.99}');
    expect(canonicalHash(a)).toBe(canonicalHash(b));
  });

  it('changes when any value changes, and keeps array order', () => {
    const base = { name: 'purchase', revenue: 4.99, tags: ['a', 'b'] };
    expect(canonicalHash(base)).not.toBe(canonicalHash({ ...base, revenue: 5.99 }));
    expect(canonicalHash(base)).not.toBe(canonicalHash({ ...base, tags: ['b', 'a'] }));
    expect(canonicalHash(base)).not.toBe(canonicalHash({ ...base, extra: null }));
  });

  it('is a SHA-256 hex digest', () => {
    expect(canonicalHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
