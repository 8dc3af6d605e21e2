import type { Plugin } from 'graphql-yoga';
import { toGraphQLError } from '../graphql/error-mapping.js';
import { appError, type AppError } from '../lib/errors.js';
import type { PipelineContext } from './pipeline-context.js';
import { refusalFor } from './refusal.js';

// OPTIONS is answered on every path, by the CORS stage (preflights end there).
/** The GraphQL endpoint: queries over GET, everything over POST. */
export const GRAPHQL_METHODS: readonly string[] = ['GET', 'POST', 'OPTIONS'];
/** Health routes and GraphiQL's files: read-only, and HEAD wherever GET is. */
export const READ_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

/** 405 with the methods the path does answer (the Allow header and `extensions.allowed`). */
export function methodNotAllowed(method: string, allowed: readonly string[]): AppError {
  return appError('METHOD_NOT_ALLOWED', `This path does not answer ${method}; it answers ${allowed.join(', ')}.`, {
    allowed: [...allowed],
  });
}

/** For a route that ends the request itself: its 405, or null when it answers the method. */
export function refuseMethod(method: string, allowed: readonly string[], context: PipelineContext): Response | null {
  return allowed.includes(method) ? null : refusalFor(context, methodNotAllowed(method, allowed));
}

/**
 * Other methods on the GraphQL endpoint get our 405 rather than Yoga's own
 * (same status, but `code: BAD_REQUEST` and an Allow header without OPTIONS).
 * onRequestParse runs only for requests Yoga routes to the endpoint, so every
 * other path keeps its 404.
 */
export function useGraphQLMethods(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!GRAPHQL_METHODS.includes(request.method)) throw toGraphQLError(methodNotAllowed(request.method, GRAPHQL_METHODS));
    },
  };
}
