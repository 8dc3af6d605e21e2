import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import {
  badUserInput,
  DATABASE_RETRY_AFTER_SECONDS,
  databaseUnavailable,
  ERROR_CODES,
  errorTypeFor,
  isAppError,
  requestStatusOf,
  type AppError,
} from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { argumentPathOf, variableDefinitionOf } from './variable-errors.js';

type Location = Pick<GraphQLError, 'nodes' | 'path'> | undefined;

/**
 * The one mapping from domain errors to GraphQL: `extensions.code/type` and
 * the details, and — decided by where it was raised — request level (no
 * field to blame: the table's HTTP status, Retry-After when the details say
 * when, Allow when they list the methods) or field level (the response keeps
 * the other fields' data).
 */
export function toGraphQLError(error: AppError, location?: Location): GraphQLError {
  const { type } = ERROR_CODES[error.code];
  const requestLevel = !location?.path;
  const headers = httpHeadersOf(error.details);
  // GraphQL over HTTP: a field error leaves `data` in the response, which then answers 2xx.
  const http = requestLevel ? { http: { status: requestStatusOf(error.code), ...(headers ? { headers } : {}) } } : {};
  return new GraphQLError(error.message, {
    nodes: location?.nodes,
    path: location?.path,
    originalError: error,
    extensions: { code: error.code, type, ...error.details, ...http },
  });
}

function httpHeadersOf(details: AppError['details']): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (typeof details.retryAfter === 'number') headers['Retry-After'] = String(details.retryAfter);
  if (Array.isArray(details.allowed)) headers.Allow = details.allowed.join(', ');
  return Object.keys(headers).length > 0 ? headers : undefined;
}

export type Refusal = { status: number; headers: Record<string, string>; body: string };

/**
 * A request-level error answered before GraphQL runs (the HTTP guard, the
 * health routes, the body limit): the status, headers and JSON body Yoga
 * would have sent for the same error, so every refusal reads alike, with the
 * request's id to quote.
 */
export function toRefusal(error: AppError, requestId?: string): Refusal {
  const { message, extensions } = toGraphQLError(error);
  const { http, ...rest } = extensions as { http: { status: number; headers?: Record<string, string> } };
  return {
    status: http.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...http.headers },
    body: JSON.stringify({ errors: [{ message, extensions: requestId ? { ...rest, requestId } : rest }] }),
  };
}

/** The same refusal as a fetch Response, for Yoga plugins that end the request. */
export function refusalResponse(error: AppError, requestId?: string): Response {
  const { status, headers, body } = toRefusal(error, requestId);
  return new Response(body, { status, headers });
}

/** The same error with another message (e.g. validation errors without suggestions). */
export function withMessage(error: GraphQLError, message: string): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * Yoga's error mask: domain errors are mapped as above; errors graphql-js or
 * Yoga raised themselves pass through; anything else is answered with a
 * generic message, so no internals (or secrets) leak. The cause stays on the
 * error (never serialized) for useErrorTypes to log with the request's id.
 */
export function maskError(logger: Logger, onDatabaseUnavailable: (error: unknown) => void = () => {}) {
  return (error: unknown): Error => {
    const located = error instanceof GraphQLError ? error : undefined;
    const variable = located && variableDefinitionOf(located);
    if (variable) {
      const field = argumentPathOf(located, variable);
      return toGraphQLError(badUserInput(field, located.message), located);
    }
    const original = located ? located.originalError : error;
    if (isAppError(original)) {
      // Already mapped where it was raised (the request pipeline maps its own refusals).
      if (located?.extensions.code === original.code) return located;
      return toGraphQLError(original, located);
    }
    if (located && (!original || original instanceof GraphQLError)) return located;
    if (isDatabaseUnavailable(original)) {
      onDatabaseUnavailable(original);
      logger.warn({ err: original }, 'database unavailable');
      return toGraphQLError(databaseUnavailable(), located);
    }
    // A failing field keeps the other fields' data (HTTP 200); a failure with no
    // field to blame (e.g. while building the request context) fails the request.
    const requestLevel = !located?.path;
    return new GraphQLError(UNEXPECTED_MESSAGE, {
      nodes: located?.nodes,
      path: located?.path,
      originalError: original instanceof Error ? original : new Error(String(original)),
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        type: 'api_error',
        ...(requestLevel ? { http: { status: ERROR_CODES.INTERNAL_SERVER_ERROR.status } } : {}),
      },
    });
  };
}

const UNEXPECTED_MESSAGE = 'Something went wrong on our side. It has been logged under extensions.requestId: quote it when you report this.';

/** What the request pipeline keeps on Yoga's server context that error shaping reads. */
type RequestIdentity = { requestId?: string };

/**
 * Gives errors from Yoga and graphql-js the same `code` and `type` ours carry,
 * and every error the request's id (`extensions.requestId`), in plain
 * results and in each result of a stream. An unexpected error is logged here,
 * with that id, once the response is about to say "It has been logged".
 */
export function useErrorTypes(logger?: Logger): Plugin {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      const requestId = (serverContext as RequestIdentity | undefined)?.requestId;
      if (isStream(result)) {
        setResult(mapStream(result, (item) => shapeResult(item, requestId, logger)) as typeof result);
        return;
      }
      const shaped = Array.isArray(result)
        ? result.map((single) => shapeResult(single, requestId, logger))
        : shapeResult(result as ExecutionResult, requestId, logger);
      if (requestId) setResult(shaped as typeof result);
    },
  };
}

/** Yoga's refusal of a mutation sent with GET: its 405 (Allow: POST), under our code for a method refused. */
function isMutationOverGet(extensions: Record<string, unknown>): boolean {
  return extensions.code === 'BAD_REQUEST' && (extensions.http as { status?: number } | undefined)?.status === 405;
}

/**
 * GraphQL over HTTP: a response with `data` answers 2xx. Whatever status an
 * error next to data asked for, the response keeps 200 (and its headers).
 */
function withoutStatus(errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const http = error.extensions.http as { status?: number } | undefined;
    if (http?.status !== undefined) delete http.status;
  }
}

function shapeResult(result: ExecutionResult, requestId: string | undefined, logger: Logger | undefined): ExecutionResult {
  const errors = result.errors ?? [];
  // graphql-js stops coercing variables after 50 errors and adds one more, with no
  // location, to say so: it belongs with the variable errors it ends.
  const variableErrors = errors.some((error) => !error.path && error.extensions.code === 'BAD_USER_INPUT');
  for (const error of errors) {
    const extensions = error.extensions as Record<string, unknown>;
    if (typeof extensions.code !== 'string') {
      extensions.code = variableErrors && !error.path && !error.nodes ? 'BAD_USER_INPUT' : 'BAD_REQUEST';
    }
    if (isMutationOverGet(extensions)) Object.assign(extensions, { code: 'METHOD_NOT_ALLOWED', allowed: ['POST'] });
    if (typeof extensions.type !== 'string') extensions.type = errorTypeFor(extensions.code as string);
    if (extensions.code === 'INTERNAL_SERVER_ERROR' && error.originalError) {
      logger?.error({ err: error.originalError, requestId, path: error.path?.join('.') }, 'unexpected error');
    }
  }
  answerUnavailableWithoutData(result);
  if (result.data != null) withoutStatus(errors);
  if (!requestId || errors.length === 0) return result;
  // Copies, not the errors themselves: Yoga caches validation errors per document and shares them between requests.
  return { ...result, errors: errors.map((error) => withExtensions(error, { requestId })) };
}

function withExtensions(error: GraphQLError, extra: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, ...extra },
  });
}

const isStream = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

async function* mapStream(stream: AsyncIterable<ExecutionResult>, map: (item: ExecutionResult) => ExecutionResult) {
  for await (const item of stream) yield map(item);
}

/**
 * A field that failed because the database is away has no HTTP status of its
 * own: with other fields' data the response is 200 (GraphQL over HTTP), and
 * still carries Retry-After. With no data at all, the response is the
 * outage: 503, so clients and proxies back off.
 */
function answerUnavailableWithoutData(result: ExecutionResult): void {
  const unavailable = result.errors?.find((error) => error.extensions.code === 'SERVICE_UNAVAILABLE' && !error.extensions.http);
  if (!unavailable) return;
  const headers = { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) };
  const http = result.data == null ? { status: ERROR_CODES.SERVICE_UNAVAILABLE.status, headers } : { headers };
  (unavailable.extensions as Record<string, unknown>).http = http;
}
