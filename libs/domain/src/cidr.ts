import ipaddr from 'ipaddr.js';

/** Whether an address falls in any of the CIDR ranges (IPv4-mapped IPv6 addresses count as IPv4). */
export function ipInCidrs(ip: string | null | undefined, cidrs: readonly string[]): boolean {
  if (!ip || cidrs.length === 0 || !ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return cidrs.some((cidr) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(cidr);
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
    const [range, bits] = ipaddr.parseCIDR(text);
    const network =
      range.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    return `${network.toString()}/${bits}`;
  } catch {
    return undefined;
  }
}
