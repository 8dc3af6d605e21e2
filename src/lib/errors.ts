/**
 * Every error the API returns, by code: its HTTP status when it fails the whole
 * request, and its Stripe-style type. One table, read by the GraphQL edge's
 * mapper (src/graphql/error-mapping.ts) and the README.
 *
 * This module is transport-free on purpose: services, the access policy and the
 * limiters throw `AppError`s; only the edge decides how they travel (a
 * request-level HTTP status, or a field error next to other fields' data).
 */
export const ERROR_CODES = {
  UNAUTHORIZED: { status: 401, type: 'authentication_error', when: 'no key, or no `Bearer` prefix' },
  INVALID_API_KEY: {
    status: 401,
    type: 'authentication_error',
    when: 'malformed, bad checksum, unknown, revoked or expired key',
  },
  FORBIDDEN: {
    status: 403,
    type: 'permission_error',
    when: 'missing scope (field level, HTTP 200), organization mismatch',
  },
  BAD_USER_INPUT: { status: 400, type: 'invalid_request_error', when: 'invalid arguments, naming the field (field level: HTTP 200 with the other fields’ data)' },
  SLOT_UNAVAILABLE: {
    status: 409,
    type: 'invalid_request_error',
    when: 'the requested booking time is not (or no longer) free: read availability and pick another (field level, HTTP 200)',
  },
  RESOURCE_LIMIT_REACHED: {
    status: 200,
    type: 'invalid_request_error',
    when: 'the organization already has as many of this resource as its world allows (webhook endpoints: WEBHOOK_MAX_ENDPOINTS); delete one first (field level, HTTP 200)',
  },
  NOT_FOUND: { status: 200, type: 'invalid_request_error', when: "missing or other tenant's resource" },
  BAD_REQUEST: {
    status: 400,
    type: 'invalid_request_error',
    when: 'malformed request (Host header, request target, headers, body, GraphQL syntax)',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    when: 'a method the path does not answer (`/graphql`: GET, POST; `/health`, `/ready`, GraphiQL files: GET, HEAD; OPTIONS everywhere); the Allow header and `extensions.allowed` list them',
  },
  QUERY_TOO_COMPLEX: {
    status: 400,
    type: 'invalid_request_error',
    when: "query over a depth, alias, token, directive or cost limit (HTTP 400, before anything runs); or an `availability`/`freeBusy` call over what is left of the request's AVAILABILITY_MAX_HOST_DAYS (field level, HTTP 200, `extensions.argument` names what to narrow)",
  },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'invalid_request_error', when: 'request body over MAX_BODY_BYTES' },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    status: 200,
    type: 'invalid_request_error',
    when: 'an automatic persisted query (hash only) was sent: Apollo Client then resends the full query, as it should',
  },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error', when: "over the key's request limit; see Retry-After" },
  CONCURRENCY_LIMITED: {
    status: 429,
    type: 'rate_limit_error',
    when: 'too many requests of the organization in flight at once',
  },
  AUTHENTICATION_THROTTLED: {
    status: 429,
    type: 'rate_limit_error',
    when: 'too many failed authentications from this client address; see Retry-After',
  },
  FIELD_RATE_LIMITED: {
    status: 200,
    type: 'rate_limit_error',
    when: "over a field's @rateLimit (field level, HTTP 200); the message says when to retry",
  },
  BOOKING_LIMIT_REACHED: {
    status: 200,
    type: 'rate_limit_error',
    when: "a public key's bookings for this attendee email, or from this client address, reached the daily limit (field level, HTTP 200); the message and `retryAt` say when to retry",
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    type: 'api_error',
    when: 'the database is unreachable, restarting or overloaded; `retryAfter` (and the Retry-After header) says when to try again. A field that needs the database fails alone (HTTP 200) when other fields have data',
  },
  TIMEOUT: {
    status: 504,
    type: 'api_error',
    when: 'the request ran past REQUEST_TIMEOUT_MS; its work was stopped and nothing else is answered. Ask for less (a shorter range) and retry',
  },
  CLIENT_CLOSED_REQUEST: {
    status: 499,
    type: 'api_error',
    when: 'the client went away before the answer; its work was stopped (the 499 answer reaches nobody; it tells cancelled work from timed-out work)',
  },
  INTERNAL_SERVER_ERROR: { status: 500, type: 'api_error', when: 'unexpected failure (details are logged, not returned)' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes Yoga and graphql-js produce themselves, mapped onto our table. */
const FOREIGN_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_REQUEST',
  GRAPHQL_VALIDATION_FAILED: 'BAD_REQUEST',
  BAD_REQUEST: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_REQUEST',
};

export function errorTypeFor(code: string | undefined): string {
  const known = code && (ERROR_CODES as Record<string, { type: string }>)[code];
  if (known) return known.type;
  const mapped = code ? FOREIGN_CODES[code] : undefined;
  return mapped ? ERROR_CODES[mapped].type : 'invalid_request_error';
}

/**
 * A failure we raise on purpose: a code from the table, a message written for
 * the caller, and details that travel with it (`extensions` at the GraphQL
 * edge). When the error fails the whole request, `retryAfter` (seconds) in the
 * details becomes a Retry-After header and `allowed` (methods) an Allow header.
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export const appError = (code: ErrorCode, message: string, details: Record<string, unknown> = {}) =>
  new AppError(code, message, details);

/** Seconds a client should wait after SERVICE_UNAVAILABLE: a database restart or failover usually takes a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export const databaseUnavailable = () =>
  appError('SERVICE_UNAVAILABLE', 'The database is unreachable; try again shortly.', { retryAfter: DATABASE_RETRY_AFTER_SECONDS });

export const notFound = (what: string, id: string) => appError('NOT_FOUND', `No ${what} with id "${id}".`);

/** Invalid input: names the offending argument so clients can point at it. */
export function badUserInput(field: string, message: string): AppError {
  return appError('BAD_USER_INPUT', `${field}: ${message}`, { field });
}
