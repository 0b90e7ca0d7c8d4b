import ipaddr from 'ipaddr.js';

const IPV4_COMPATIBLE = ipaddr.IPv6.parse('::');

/**
 * Postback and webhook URLs are written by users of the admin API; without this guard they could make
 * Lookback call its own database, cloud metadata (169.254.169.254) or anything else on the private network.
 * Only globally routable unicast addresses pass (ipaddr.js's `unicast` range: not private, loopback,
 * link-local, unique-local, CGNAT, multicast, broadcast, unspecified, reserved, documentation, 6to4, Teredo, NAT64).
 */
export function isPublicAddress(address: string): boolean {
  const text = canonicalIPv6(address.replace(/^\[|\]$/g, ''));
  if (!ipaddr.isValid(text)) return false;
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::/96, the deprecated IPv4-compatible form (with :: and ::1): ipaddr.js calls `::7f00:1` unicast, yet
    // some stacks route it to 127.0.0.1. Nothing public lives there.
    if (v6.match(IPV4_COMPATIBLE, 96)) return false;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/**
 * IPv6 text in the URL standard's form: ipaddr.js reads `::8.8.8.8` as `::ffff:8.8.8.8` (IPv4-mapped), where
 * it is the IPv4-compatible `::808:808`. Zone ids (`fe80::1%eth0`) are left to ipaddr.js.
 */
function canonicalIPv6(text: string): string {
  if (!text.includes(':') || text.includes('%')) return text;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return text;
  }
}

/** `localhost` and `*.localhost` always name the loopback (RFC 6761); resolvers must not ask anyone. */
function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * The host of `url` when it is an address (or `localhost`) that must not be called, else undefined. The WHATWG
 * parser has already turned `2130706433`, `0x7f.1` and `0177.0.0.1` into `127.0.0.1`, so every IPv4 spelling is
 * caught. Other names can only be judged after DNS, at send time.
 */
export function blockedHost(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackName(host)) return host;
  if (ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host))) {
    return isPublicAddress(host) ? undefined : host;
  }
  return undefined;
}
