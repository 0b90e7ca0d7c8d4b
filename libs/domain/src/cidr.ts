import ipaddr from 'ipaddr.js';

/** Whether an address falls in any of the CIDR ranges (IPv4-mapped IPv6 addresses count as IPv4). */
export function ipInCidrs(ip: string | null | undefined, cidrs: readonly string[]): boolean {
  if (!ip || cidrs.length === 0 || !ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return cidrs.some((cidr) => {
    try {
      let [range, bits] = ipaddr.parseCIDR(cidr);
      // An IPv4-mapped range (::ffff:a.b.c.d/96+) names IPv4 addresses, which is how the address is compared.
      if (range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        [range, bits] = [(range as ipaddr.IPv6).toIPv4Address(), bits - 96];
      }
      return range.kind() === addr.kind() && addr.match(range, bits);
    } catch {
      return false;
    }
  });
}

/** The canonical network form (`10.1.2.3/8` → `10.0.0.0/8`, a bare address → /32 or /128), or undefined. */
export function normalizeCidr(value: string): string | undefined {
  try {
    const text = value.includes('/') ? value.trim() : `${value.trim()}/${ipaddr.parse(value.trim()).kind() === 'ipv4' ? 32 : 128}`;
    // ipaddr.js reads "010.1.2.3" as octal (8.1.2.3) and "1" as 0.0.0.1; PostgreSQL and people read them otherwise.
    const address = text.slice(0, text.lastIndexOf('/'));
    if (ipaddr.IPv4.isValid(address) && !ipaddr.IPv4.isValidFourPartDecimal(address)) return undefined;
    const [range, bits] = ipaddr.parseCIDR(text);
    const network =
      range.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    return `${network.toString()}/${bits}`;
  } catch {
    return undefined;
  }
}
