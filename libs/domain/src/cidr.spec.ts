import { ipInCidrs, normalizeCidr } from './cidr';

describe('ipInCidrs', () => {
  describe('IPv4', () => {
    const list = ['198.51.100.0/24'];

    it('matches addresses inside the range, first and last included', () => {
      expect(ipInCidrs('198.51.100.0', list)).toBe(true);
      expect(ipInCidrs('198.51.100.77', list)).toBe(true);
      expect(ipInCidrs('198.51.100.255', list)).toBe(true);
    });

    it('does not match the neighbours just outside it', () => {
      expect(ipInCidrs('198.51.99.255', list)).toBe(false);
      expect(ipInCidrs('198.51.101.0', list)).toBe(false);
    });

    it('a /32 matches exactly one address', () => {
      expect(ipInCidrs('203.0.113.7', ['203.0.113.7/32'])).toBe(true);
      expect(ipInCidrs('203.0.113.8', ['203.0.113.7/32'])).toBe(false);
    });

    it('matches when any range of the list matches', () => {
      expect(ipInCidrs('10.9.8.7', ['192.0.2.0/24', '10.0.0.0/8'])).toBe(true);
      expect(ipInCidrs('11.9.8.7', ['192.0.2.0/24', '10.0.0.0/8'])).toBe(false);
    });

    it('0.0.0.0/0 matches every IPv4 address and no IPv6 address', () => {
      expect(ipInCidrs('1.2.3.4', ['0.0.0.0/0'])).toBe(true);
      expect(ipInCidrs('2001:db8::1', ['0.0.0.0/0'])).toBe(false);
    });
  });

  describe('IPv6', () => {
    it('matches inside the prefix and not outside it', () => {
      expect(ipInCidrs('2001:db8::1', ['2001:db8::/32'])).toBe(true);
      expect(ipInCidrs('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', ['2001:db8::/32'])).toBe(true);
      expect(ipInCidrs('2001:db9::1', ['2001:db8::/32'])).toBe(false);
    });

    it('compares addresses, not spellings', () => {
      expect(ipInCidrs('2001:0DB8:0000:0000:0000:0000:0000:0001', ['2001:db8::1/128'])).toBe(true);
    });

    it('::/0 matches every IPv6 address and no IPv4 address', () => {
      expect(ipInCidrs('fe80::1', ['::/0'])).toBe(true);
      expect(ipInCidrs('1.2.3.4', ['::/0'])).toBe(false);
    });
  });

  describe('IPv4-mapped IPv6', () => {
    it('an IPv4-mapped address counts as its IPv4 address', () => {
      expect(ipInCidrs('::ffff:198.51.100.7', ['198.51.100.0/24'])).toBe(true);
      expect(ipInCidrs('::ffff:c633:6407', ['198.51.100.0/24'])).toBe(true); // the same address, hex form
      expect(ipInCidrs('::ffff:198.51.101.7', ['198.51.100.0/24'])).toBe(false);
    });

    it('an IPv4-mapped range names IPv4 addresses', () => {
      expect(ipInCidrs('198.51.100.7', ['::ffff:198.51.100.7/128'])).toBe(true);
      expect(ipInCidrs('198.51.100.7', ['::ffff:198.51.100.0/120'])).toBe(true);
      expect(ipInCidrs('::ffff:198.51.100.7', ['::ffff:198.51.100.0/120'])).toBe(true);
      expect(ipInCidrs('198.51.101.7', ['::ffff:198.51.100.0/120'])).toBe(false);
    });

    it('an IPv4-mapped address is not inside an unrelated IPv6 range', () => {
      expect(ipInCidrs('::ffff:198.51.100.7', ['2001:db8::/32'])).toBe(false);
    });
  });

  describe('bad input', () => {
    it('no address, an empty one, or one that is not an address: never blocked', () => {
      for (const ip of [null, undefined, '', 'not-an-ip', '198.51.100.300', '198.51.100.7/24', ' ']) {
        expect(ipInCidrs(ip, ['0.0.0.0/0', '::/0'])).toBe(false);
      }
    });

    it('an empty list blocks nothing', () => {
      expect(ipInCidrs('198.51.100.7', [])).toBe(false);
    });

    it('skips entries that are not CIDR ranges and still checks the rest', () => {
      expect(ipInCidrs('198.51.100.7', ['garbage', '198.51.100.0/33', '', '198.51.100.0/24'])).toBe(true);
      expect(ipInCidrs('198.51.100.7', ['garbage', '198.51.100.0/33', ''])).toBe(false);
    });
  });
});

describe('normalizeCidr', () => {
  it('clears host bits to the network address', () => {
    expect(normalizeCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizeCidr('198.51.100.77/24')).toBe('198.51.100.0/24');
    expect(normalizeCidr('2001:db8:1:2::5/32')).toBe('2001:db8::/32');
  });

  it('makes a bare address a single-address range', () => {
    expect(normalizeCidr('203.0.113.7')).toBe('203.0.113.7/32');
    expect(normalizeCidr('2001:db8::1')).toBe('2001:db8::1/128');
  });

  it('trims, lower-cases and compresses', () => {
    expect(normalizeCidr('  203.0.113.7  ')).toBe('203.0.113.7/32');
    expect(normalizeCidr(' 2001:0DB8:0000::0001/64 ')).toBe('2001:db8::/64');
  });

  it('is stable: a normalized value normalizes to itself', () => {
    for (const v of ['10.0.0.0/8', '203.0.113.7/32', '2001:db8::/32', '0.0.0.0/0', '::/0']) expect(normalizeCidr(v)).toBe(v);
  });

  it('refuses what is not an address or range', () => {
    for (const v of ['', '   ', 'abc', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '2001:db8::/129', '1.2.3.4/32/5', '256.1.1.1', '10.0.0.0 /8']) {
      expect(normalizeCidr(v)).toBeUndefined();
    }
  });

  it('refuses IPv4 forms that do not mean what they look like (octal, hex, short)', () => {
    // ipaddr.js would read these as 8.1.2.3, 127.0.0.1, 0.0.0.1 and 127.0.0.1: a blocklist must not guess.
    for (const v of ['010.1.2.3', '0x7f000001', '1', '127.1', '010.0.0.0/8']) expect(normalizeCidr(v)).toBeUndefined();
  });

  it('answers ranges that ipInCidrs matches against', () => {
    const list = ['198.51.100.77/24', '2001:db8::1'].map((v) => normalizeCidr(v)!);
    expect(ipInCidrs('198.51.100.1', list)).toBe(true);
    expect(ipInCidrs('2001:db8::1', list)).toBe(true);
    expect(ipInCidrs('2001:db8::2', list)).toBe(false);
  });
});
