import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The guard against server-side request forgery for every URL a customer
 * hands us to call (webhook endpoints, calendar feeds). A live-mode URL must be
 * https and every address its host resolves to must be public; test mode also
 * accepts http and loopback, so a receiver on the developer's own machine works.
 * Private, link-local (cloud metadata), CGNAT, unique-local and reserved ranges
 * are refused in both modes.
 */
export type OutboundEnvironment = 'LIVE' | 'TEST';
export type ResolvedAddress = { address: string; family: number };
/** Resolves a host name to all of its addresses; injectable so tests can stage DNS answers. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Why a URL or address was refused; the message is safe to show (no path or query). */
export class OutboundRefused extends Error {}

/** Cloud metadata endpoints, named so the refusal says what they are (their ranges are refused anyway). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']);

const ALLOWED_RANGES: Record<OutboundEnvironment, ReadonlySet<string>> = {
  LIVE: new Set(['unicast']),
  TEST: new Set(['unicast', 'loopback']),
};

/** Checks the form of a URL: http(s), https in live mode, no user:password part. */
export function parseOutboundUrl(raw: string, environment: OutboundEnvironment): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new OutboundRefused('is not a valid URL.');
  }
  if (url.protocol === 'webcal:') url = new URL(`https:${url.href.slice('webcal:'.length)}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused('must be an http(s) URL.');
  if (environment === 'LIVE' && url.protocol !== 'https:') throw new OutboundRefused('must use https in live mode.');
  if (url.username || url.password) throw new OutboundRefused('must not carry a user name or password.');
  return url;
}

/** The host as an address or name, without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** The range an address falls in, looking through IPv4-mapped IPv6 (::ffff:10.0.0.1 is 10.0.0.1). */
export function addressRange(address: string): string {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range();
}

/** Why an address may not be reached in this mode, or null when it may. */
function refusalOf(address: string, environment: OutboundEnvironment): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const allowed = ALLOWED_RANGES[environment];
  const mode = `${environment.toLowerCase()} mode reaches only ${[...allowed].map((r) => (r === 'unicast' ? 'public' : r)).join(' and ')} addresses`;
  if (METADATA_ADDRESSES.has(ipaddr.process(address).toString())) return `a cloud metadata address; ${mode}`;
  const range = addressRange(address);
  return allowed.has(range) ? null : `a ${range} address; ${mode}`;
}

export function assertAllowedAddress(address: string, environment: OutboundEnvironment): void {
  const refusal = refusalOf(address, environment);
  if (refusal) throw new OutboundRefused(`${address} is ${refusal}.`);
}

/** Resolves a host and insists that every address is allowed: one bad answer refuses the host. */
export async function resolveAllowed(
  hostname: string,
  environment: OutboundEnvironment,
  resolver: HostResolver,
): Promise<ResolvedAddress[]> {
  if (isIP(hostname)) {
    assertAllowedAddress(hostname, environment);
    return [{ address: hostname, family: isIP(hostname) }];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(hostname);
  } catch {
    throw new OutboundRefused(`could not resolve ${hostname}.`);
  }
  if (addresses.length === 0) throw new OutboundRefused(`could not resolve ${hostname}.`);
  for (const { address } of addresses) {
    const refusal = refusalOf(address, environment);
    if (refusal) throw new OutboundRefused(`${hostname} resolves to ${address}, ${refusal}.`);
  }
  return addresses;
}

/** The full check done when a URL is saved: its form, then where it resolves to now. */
export async function checkOutboundUrl(
  raw: string,
  environment: OutboundEnvironment,
  resolver: HostResolver = systemResolver,
): Promise<URL> {
  const url = parseOutboundUrl(raw, environment);
  await resolveAllowed(hostOf(url), environment, resolver);
  return url;
}
