import ipaddr from 'ipaddr.js';

/** A set of CIDR ranges that answers "is this address in one of them?". */
export type AddressRanges = { readonly cidrs: readonly string[]; contains(address: string): boolean };

/** Loopback, private (RFC 1918), IPv6 unique-local and link-local: where a load balancer usually sits. */
export const PRIVATE_RANGES = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fe80::/10'];

/** Parses an address, unwrapping IPv4-mapped IPv6 (`::ffff:10.0.0.1`) so one rule covers both spellings. */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** Throws with the offending entry when one is not `address/bits`. */
export function addressRanges(cidrs: readonly string[]): AddressRanges {
  const ranges = cidrs.map((cidr) => {
    try {
      return ipaddr.parseCIDR(cidr);
    } catch {
      throw new Error(`"${cidr}" is not a CIDR range like 10.0.0.0/8 or fd00::/8`);
    }
  });
  return {
    cidrs,
    contains(address) {
      const parsed = parseAddress(address);
      return parsed !== null && ranges.some(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits));
    },
  };
}

/**
 * An allowlist entry in one spelling: a strict IPv4 dotted quad or IPv6
 * address (no zone, none of ipaddr's lenient forms like `10.1`), alone or
 * with `/bits`. Ranges are stored as their network (`10.1.2.3/8` → `10.0.0.0/8`)
 * and IPv4-mapped IPv6 as IPv4, the way request addresses are compared.
 * Null when the text is none of these.
 */
export function normalizeAddressRange(text: string): string | null {
  const [address = '', bits, ...rest] = text.split('/');
  if (rest.length > 0 || address.includes('%')) return null;
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !ipaddr.IPv6.isValid(address)) return null;
  const parsed = parseAddress(address)!;
  if (bits === undefined) return parsed.toString();
  if (!/^\d{1,3}$/.test(bits)) return null;
  const mapped = ipaddr.parse(address).kind() === 'ipv6' && parsed.kind() === 'ipv4';
  const prefix = Number(bits) - (mapped ? 96 : 0);
  if (prefix < 0 || prefix > (parsed.kind() === 'ipv4' ? 32 : 128)) return null;
  const network =
    parsed.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${parsed.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

/** Ranges from normalized allowlist entries, a bare address standing for itself alone. */
export function addressAllowlist(entries: readonly string[]): AddressRanges {
  const ranges = addressRanges(entries.map((entry) => (entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`)));
  return { cidrs: entries, contains: ranges.contains };
}
