import { appError } from '../lib/errors.js';
import type { Principal } from './principal.js';

/**
 * Where a secret key with an IP allowlist may be used from, checked on every
 * request against the trusted client address (pipeline/client-address.ts)
 * and the allowlist compiled at verification: no query. A request whose
 * address is unknown (no socket, no trusted proxy header) is refused too:
 * an allowlist that cannot be checked allows nothing. The answer names the
 * address seen, so whoever set up the caller can add it, and never the list.
 */
export function assertAddressPermitted(principal: Principal, address: string | null): void {
  const allowed = principal.key.allowedIps;
  if (allowed === null || (address !== null && allowed.contains(address))) return;
  throw appError(
    'FORBIDDEN',
    `This key may only be used from the addresses in its allowedIps, and this request came from ${address ?? 'an unknown address'}. ` +
      'Call from an allowed address, or add this one to the key (updateApiKey) if it is yours.',
    { reason: 'IP_NOT_ALLOWED', address },
  );
}
