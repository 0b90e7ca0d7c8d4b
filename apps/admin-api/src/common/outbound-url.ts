// Postback and webhook URLs are checked against the SSRF rules when they are saved, not only when they are called.
import { invalid } from '@app/domain';
import { blockedHost } from '@app/outbound';

/**
 * Refuses (400 naming the field) a URL template whose host is a loopback, private, link-local, unique-local,
 * CGNAT, multicast or unspecified address, in any spelling the URL parser accepts (`http://2130706433/`,
 * `http://[::7f00:1]/`), or `localhost`. Names that resolve to such addresses are caught at send time, after
 * DNS. `OUTBOUND_ALLOW_PRIVATE=true` (dev and tests) allows them all. Runs after the DTO checks: the template
 * is a URL with no macro in its host.
 */
export function refusePrivateAddresses(allowPrivate: boolean, urls: Record<string, string | null | undefined>): void {
  if (allowPrivate) return;
  for (const [field, template] of Object.entries(urls)) {
    if (!template) continue;
    let url: URL;
    try {
      url = new URL(template.replace(/\{[a-z_]+\}/g, 'x'));
    } catch {
      continue; // the DTO refused it already
    }
    const host = blockedHost(url);
    if (host !== undefined) {
      throw invalid(
        'address_not_public',
        `${field} names ${host}, which is not a public address: Lookback does not call loopback, private or link-local addresses.`,
        field,
      );
    }
  }
}
