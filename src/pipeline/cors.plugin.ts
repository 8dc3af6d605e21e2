import type { Plugin } from 'graphql-yoga';
import { API_KEY_HEADERS } from '../auth/headers.js';

/**
 * What browser scripts may send: the key (in any header it may travel in), JSON, the CSRF
 * headers, and what tracing (W3C traceparent/tracestate/baggage, Sentry) and
 * Apollo's client awareness add by default. Credentials are never allowed,
 * so allowing a header widens nothing.
 */
export const CORS_ALLOWED_HEADERS = [
  ...API_KEY_HEADERS,
  'Content-Type',
  'X-Organization-Id',
  'X-GraphQL-Yoga-CSRF',
  'apollo-require-preflight',
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
];

/** What browser scripts may read: the request's id (to quote), the rate-limit budget and when to retry, and the scopes the operation needs. */
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'Tessera-Accepted-Scopes',
];

const PREFLIGHT_MAX_AGE_SECONDS = 600;

export type OriginGate = { allows(origin: string): Promise<boolean> };

/**
 * CORS answered per request origin: an origin some key of the service allows
 * is echoed back, any other gets no CORS headers and the browser stops there.
 * Preflights end here, before authentication, and read only the in-memory
 * gate, so they cost no database query. Credentials (cookies) are never
 * allowed: keys travel in headers the page sets itself.
 */
export function useBrowserCors(gate: OriginGate): Plugin {
  const answerPreflight = async (origin: string | null): Promise<Response> => {
    const headers = new Headers({ 'Content-Length': '0', Vary: 'Origin' });
    if (origin !== null && (await gate.allows(origin))) {
      headers.set('Access-Control-Allow-Origin', origin);
      headers.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      headers.set('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
      headers.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    return new Response(null, { status: 204, headers });
  };

  // Neither hook is async: every request passes through both, and one without an Origin (a server's) waits for nothing.
  return {
    onRequest({ request, endResponse }) {
      if (request.method !== 'OPTIONS') return;
      return answerPreflight(request.headers.get('origin')).then(endResponse);
    },
    onResponse({ request, response }) {
      if (request.method === 'OPTIONS') return;
      // Responses differ by Origin (headers and, for pk_live_ keys, the answer itself).
      varyByOrigin(response.headers);
      const origin = request.headers.get('origin');
      if (origin === null) return;
      return gate.allows(origin).then((allowed) => {
        if (!allowed) return;
        response.headers.set('Access-Control-Allow-Origin', origin);
        response.headers.set('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
      });
    },
  };
}

/**
 * Adds Origin to the response's Vary. Set, not appended: `append` turns the
 * Headers' plain object into a Map, and such a response leaves Node one
 * `setHeader` call per header instead of one `writeHead`.
 */
function varyByOrigin(headers: Headers): void {
  const vary = headers.get('vary');
  headers.set('Vary', vary ? `${vary}, Origin` : 'Origin');
}
