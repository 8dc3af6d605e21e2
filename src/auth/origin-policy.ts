import { appError } from '../lib/errors.js';
import { originAllowed } from './origins.js';
import type { Principal } from './principal.js';

/** Enough to name any real origin; a longer header is shortened before we echo it back. */
const MAX_ECHOED_ORIGIN = 200;

const shown = (origin: string) =>
  JSON.stringify(origin.length > MAX_ECHOED_ORIGIN ? `${origin.slice(0, MAX_ECHOED_ORIGIN)}…` : origin);

/**
 * The host (and port) this API answers on, as the browser saw it. The scheme is
 * left out on purpose: behind a TLS-terminating proxy the request reaches us as
 * http while the page was https, and both are the API's own pages.
 */
function ownHost(request: Request, trustProxy: boolean): string {
  const forwarded = trustProxy ? request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  return (forwarded || new URL(request.url).host).toLowerCase();
}

function isOwnOrigin(origin: string, request: Request, trustProxy: boolean): boolean {
  try {
    return new URL(origin).host.toLowerCase() === ownHost(request, trustProxy);
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage are nobody's own origin
  }
}

/**
 * Where a key may be used from, checked on every authenticated request:
 * - `pk_live_`: only from a page on one of the key's allowed origins;
 * - `pk_test_`: from anywhere, for local development;
 * - secret keys: from servers (no Origin) or from the API's own pages (GraphiQL).
 * Refusals fail the whole request with 403 and no data; `extensions.reason`
 * tells clients (like the booking widget) which rule refused them.
 */
export function assertOriginPermitted(principal: Principal, request: Request, trustProxy: boolean): void {
  const origin = request.headers.get('origin');
  if (principal.key.type === 'PUBLIC') {
    if (principal.key.environment === 'TEST') return;
    if (origin === null) {
      throw appError(
        'FORBIDDEN',
        'This pk_live_ key works only from web pages on its allowed origins, and this request carried no Origin header. ' +
          'Call from a browser page on an allowed origin, or use a secret key from a server.',
        { reason: 'ORIGIN_MISSING' },
      );
    }
    if (!originAllowed(origin, principal.key.allowedOrigins)) {
      throw appError(
        'FORBIDDEN',
        `Origin ${shown(origin)} is not allowed for this pk_live_ key. ` +
          "Add it to the key's allowedOrigins (updateApiKey), or use the key only on the sites it was made for.",
        { reason: 'ORIGIN_NOT_ALLOWED', origin: origin.slice(0, MAX_ECHOED_ORIGIN) },
      );
    }
    return;
  }
  if (origin !== null && !isOwnOrigin(origin, request, trustProxy)) {
    throw appError(
      'FORBIDDEN',
      `Secret keys are for servers and must never be put in a web page (this request came from origin ${shown(origin)}). ` +
        'Use a public key (pk_live_ with allowed origins, or pk_test_) in browsers, and revoke this secret key if it was exposed.',
      { reason: 'SECRET_KEY_IN_BROWSER', origin: origin.slice(0, MAX_ECHOED_ORIGIN) },
    );
  }
}
