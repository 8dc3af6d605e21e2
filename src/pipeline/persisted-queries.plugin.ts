import type { Plugin } from 'graphql-yoga';
import { toGraphQLError } from '../graphql/error-mapping.js';
import { appError } from '../lib/errors.js';

type Params = { query?: unknown; extensions?: { persistedQuery?: unknown } };

/**
 * Automatic persisted queries (Apollo's hash-first protocol) are not kept
 * here. A hash without a query answers the standard "PersistedQueryNotSupported",
 * which makes Apollo Client send the full query and stop trying hashes,
 * instead of Yoga's "Must provide query string." that clients treat as fatal.
 * Answered as soon as the request is parsed: it runs nothing and reveals nothing.
 */
export function usePersistedQueriesNotSupported(): Plugin {
  return {
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          const params = requestParserResult as Params | Params[];
          if (Array.isArray(params) || params.query || !params.extensions?.persistedQuery) return;
          throw toGraphQLError(appError('PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported'));
        },
      };
    },
  };
}
