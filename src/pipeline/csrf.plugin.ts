import type { Plugin } from 'graphql-yoga';
import { API_KEY_HEADERS } from '../auth/headers.js';
import { toGraphQLError } from '../graphql/error-mapping.js';
import { appError } from '../lib/errors.js';

/** Content types a cross-site form (or a no-cors fetch) may send without a preflight. */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** Headers a page on another site cannot set without a preflight, which CORS then answers. */
const PREFLIGHT_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];
const KEY_HEADERS = API_KEY_HEADERS.map((name) => name.toLowerCase());

function couldBeCrossSiteForm(request: Request): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  if (request.method !== 'POST') return false;
  const contentType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return !contentType || SIMPLE_CONTENT_TYPES.includes(contentType);
}

/**
 * CSRF prevention (Yoga's rule, made to fit API keys): a request a cross-site
 * form could send must carry a header such a form cannot. A GET that carries
 * the key itself (Authorization, Tessera-Api-Key or X-API-Key) qualifies: no form can set it.
 * GET runs queries only (Yoga refuses a mutation over GET with 405). The
 * refusal names the headers that make a request acceptable.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!couldBeCrossSiteForm(request)) return;
      const has = (name: string) => request.headers.has(name);
      if (PREFLIGHT_HEADERS.some(has)) return;
      if (request.method === 'GET' && KEY_HEADERS.some(has)) return;
      throw toGraphQLError(
        appError(
          'FORBIDDEN',
          'This request looks like one a cross-site form could send (CSRF). Send the key in the Authorization or ' +
            'Tessera-Api-Key header (GET and JSON POST), post JSON (Content-Type: application/json), or add the header "X-GraphQL-Yoga-CSRF: 1" ' +
            '(Apollo Client: "apollo-require-preflight: true").',
          { reason: 'CSRF', acceptedHeaders: [...API_KEY_HEADERS, 'X-GraphQL-Yoga-CSRF', 'apollo-require-preflight'] },
        ),
      );
    },
  };
}
