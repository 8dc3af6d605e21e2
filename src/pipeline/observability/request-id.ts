import { randomUUID } from 'node:crypto';
import { fromTrustedProxy, type ProxyTrust } from '../client-address.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a proxy's id may look like: short, and nothing a log line or a header would need escaped. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id a request is known by in its response header, its errors, its audit
 * record, its access log line and its trace. A proxy of ours (TRUST_PROXY,
 * TRUSTED_PROXIES) may have named the request already, so its logs and ours
 * agree; anyone else's `X-Request-Id` is ignored, as is one that is not a
 * plain token, and the request gets a fresh UUID.
 */
export function requestIdFor(given: string | null | undefined, peer: string | null, trust: ProxyTrust): string {
  if (given && ACCEPTED.test(given) && fromTrustedProxy(peer, trust)) return given;
  return randomUUID();
}
