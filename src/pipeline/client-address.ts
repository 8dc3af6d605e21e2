import { parseAddress, type AddressRanges } from '../lib/address-ranges.js';

export type ProxyTrust = { trustProxy: boolean; trustedProxies: AddressRanges };

/**
 * The caller's address. Without TRUST_PROXY it is the socket's peer. With it,
 * `X-Forwarded-For` is read from the right: each proxy appends the address it
 * saw, so the rightmost address that is not one of our own proxies
 * (TRUSTED_PROXIES) is the client; anything left of it was written by the
 * client and is ignored. A peer that is not a trusted proxy is the client
 * itself, whatever it claims. In-process calls (no socket) count as trusted.
 */
export function clientAddress(request: Request, peer: string | null, trust: ProxyTrust): string | null {
  if (!fromTrustedProxy(peer, trust)) return peer;
  const hops = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index]!;
    if (trust.trustedProxies.contains(hop)) continue;
    // Our own proxies append real addresses; garbage here came from the client.
    return parseAddress(hop) ? hop : (hops[index + 1] ?? peer);
  }
  return hops[0] ?? peer;
}

/** Whether what the peer says about the request (forwarded headers) may be believed. */
export function fromTrustedProxy(peer: string | null, trust: ProxyTrust): boolean {
  return trust.trustProxy && (peer === null || trust.trustedProxies.contains(peer));
}
