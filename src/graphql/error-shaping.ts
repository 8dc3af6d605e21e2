import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../lib/logger.js';
import { ERROR_CODES, errorTypeFor } from './errors.js';

/**
 * Connection failures from postgres.js, node sockets and a closed PGlite,
 * also when wrapped (Drizzle reports them as the `cause` of a DrizzleQueryError).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  const code = (error as { code?: unknown })?.code;
  const message = (error as { message?: unknown })?.message;
  const cause = (error as { cause?: unknown })?.cause;
  if (cause !== undefined && depth < 5 && isDatabaseUnavailable(cause, depth + 1)) return true;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'CONNECT_TIMEOUT' ||
    code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' ||
    code === 'CONNECTION_DESTROYED' ||
    code === '57P01' ||
    (typeof message === 'string' && /PGlite is closed/i.test(message))
  );
}

/**
 * Errors we raise on purpose pass through; anything else is logged in full
 * and answered with a generic message, so no internals (or secrets) leak.
 */
export function maskError(logger: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
    const located = error instanceof GraphQLError ? error : undefined;
    if (isDatabaseUnavailable(original)) {
      logger.error({ err: original }, 'database unavailable');
      return new GraphQLError('The database is unreachable; try again shortly.', {
        nodes: located?.nodes,
        path: located?.path,
        extensions: { code: 'SERVICE_UNAVAILABLE', type: 'api_error', http: { status: ERROR_CODES.SERVICE_UNAVAILABLE.status } },
      });
    }
    logger.error({ err: original }, 'unexpected error');
    // A failing field keeps the other fields' data (HTTP 200); a failure with no
    // field to blame (e.g. while building the request context) fails the request.
    const requestLevel = !located?.path;
    return new GraphQLError('Something went wrong on our side. It has been logged.', {
      nodes: located?.nodes,
      path: located?.path,
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        type: 'api_error',
        ...(requestLevel ? { http: { status: ERROR_CODES.INTERNAL_SERVER_ERROR.status } } : {}),
      },
    });
  };
}

/** Gives errors from Yoga and graphql-js the same `code` and `type` ours carry. */
export function useErrorTypes(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        if (!single || Symbol.asyncIterator in single) continue;
        for (const error of single.errors ?? []) {
          const extensions = error.extensions as Record<string, unknown>;
          if (typeof extensions.code !== 'string') extensions.code = 'BAD_REQUEST';
          if (typeof extensions.type !== 'string') extensions.type = errorTypeFor(extensions.code as string);
        }
      }
    },
  };
}
