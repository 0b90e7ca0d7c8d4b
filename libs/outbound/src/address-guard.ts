import ipaddr from 'ipaddr.js';

/**
 * Postback and webhook URLs are written by users of the admin API; without this guard they could make
 * Lookback call its own database, cloud metadata (169.254.169.254) or anything else on the private network.
 * Only globally routable unicast addresses pass.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}
