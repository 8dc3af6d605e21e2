/**
 * Every error the API returns, by code: the HTTP status when it fails the whole
 * request, whether it is (also) raised on a field, and its Stripe-style type.
 * One table, read by the GraphQL edge's mapper (src/graphql/error-mapping.ts)
 * and the docs (docs/errors.md); an integration test produces every row
 * against the real server (test/integration/error-statuses.test.ts).
 *
 * GraphQL over HTTP: a response with `data` answers 2xx, so an error raised on
 * a field, next to other fields' data, never carries a status of its own (200).
 *
 * This module is transport-free on purpose: services, the access policy and the
 * limiters throw `AppError`s; only the edge decides how they travel (a
 * request-level HTTP status, or a field error next to other fields' data).
 */
export type ErrorType = 'authentication_error' | 'permission_error' | 'invalid_request_error' | 'rate_limit_error' | 'api_error';

export type ErrorCodeEntry = {
  type: ErrorType;
  /** The HTTP status when the error fails the whole request (no `data`); absent when it is only ever raised on a field. */
  status?: number;
  /** Raised on a field, next to the other fields' data: that response is 200. */
  onField?: true;
  /**
   * What a client accepting only application/json gets instead (Yoga answers some
   * of GraphQL's own request errors 200 there, as GraphQL over HTTP allows), and
   * in which case when not in all.
   */
  applicationJson?: { status: number; when?: string };
  when: string;
};

export const ERROR_CODES = {
  UNAUTHORIZED: {
    status: 401,
    type: 'authentication_error',
    when: 'no key, or no `Bearer` prefix; at `/secret-scanning`, an alert without a valid GitHub signature',
  },
  INVALID_API_KEY: {
    status: 401,
    type: 'authentication_error',
    when: 'malformed, bad checksum, unknown, revoked or expired key',
  },
  FORBIDDEN: {
    status: 403,
    onField: true,
    type: 'permission_error',
    when: "organization mismatch, a request a cross-site form could send (CSRF), a key used from an address outside its `allowedIps` (`reason: IP_NOT_ALLOWED`), a document a `trustedDocumentsOnly` key may not run (`reason: UNTRUSTED_DOCUMENT`); on a field: a missing scope",
  },
  BAD_USER_INPUT: {
    status: 400,
    onField: true,
    type: 'invalid_request_error',
    when: 'invalid arguments, naming the field; request level when a variable cannot be read as its type',
  },
  SLOT_UNAVAILABLE: {
    onField: true,
    type: 'invalid_request_error',
    when: 'the requested booking time is not (or no longer) free: read availability and pick another',
  },
  RESOURCE_LIMIT_REACHED: {
    onField: true,
    type: 'invalid_request_error',
    when: 'the organization already has as many of this resource as its world allows (webhook endpoints: WEBHOOK_MAX_ENDPOINTS); delete one first',
  },
  NOT_FOUND: { onField: true, type: 'invalid_request_error', when: "missing or other tenant's resource" },
  BAD_REQUEST: {
    status: 400,
    applicationJson: { status: 200, when: 'for a body without `query`' },
    type: 'invalid_request_error',
    when: 'malformed request (Host header, request target, headers, body)',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    when: 'a method the path does not answer (`/graphql`: GET, POST, and mutations POST only; `/health`, `/ready`, GraphiQL files: GET, HEAD; `/secret-scanning`: POST; OPTIONS everywhere); the Allow header and `extensions.allowed` list them',
  },
  QUERY_TOO_COMPLEX: {
    status: 400,
    onField: true,
    type: 'invalid_request_error',
    when: "query over a depth, alias, token, directive or cost limit (before anything runs); on a field: an `availability`/`freeBusy` call over what is left of the request's AVAILABILITY_MAX_HOST_DAYS (`extensions.argument` names what to narrow)",
  },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'invalid_request_error', when: 'request body over MAX_BODY_BYTES' },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    status: 200,
    type: 'invalid_request_error',
    when: 'an automatic persisted query (hash only) was sent: Apollo Client then resends the full query, as it should',
  },
  PERSISTED_DOCUMENT_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    when: "a `documentId` that is not one of the organization's trusted documents in the key's world (live or test): register it first",
  },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error', when: "over the key's request limit; see Retry-After" },
  USAGE_EXHAUSTED: {
    status: 429,
    type: 'rate_limit_error',
    when: "the key has spent its usage limit (`ApiKey.usage`); with a refill, Retry-After and `refillsAt` say when it is refilled, without one it never is",
  },
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
    onField: true,
    type: 'rate_limit_error',
    when: "over a field's @rateLimit; the message says when to retry",
  },
  BOOKING_LIMIT_REACHED: {
    onField: true,
    type: 'rate_limit_error',
    when: "a public key's bookings for this attendee email, or from this client address, reached the daily limit; the message and `retryAt` say when to retry",
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    onField: true,
    type: 'api_error',
    when: 'the database is unreachable, restarting or overloaded; `retryAfter` (and the Retry-After header, also at 200) says when to try again. A field that needs the database fails alone when other fields have data',
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
  INTERNAL_SERVER_ERROR: {
    status: 500,
    onField: true,
    type: 'api_error',
    when: 'unexpected failure (details are logged, not returned)',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes graphql-js and Yoga raise themselves, kept as they are (clients know
 * them) and given a type; they are rows of the same table in the docs.
 */
export const GRAPHQL_ERROR_CODES = {
  GRAPHQL_PARSE_FAILED: {
    status: 400,
    applicationJson: { status: 200 },
    type: 'invalid_request_error',
    when: 'the document is not GraphQL (a syntax error)',
  },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    applicationJson: { status: 200 },
    type: 'invalid_request_error',
    when: 'the document does not fit the schema: an unknown field or argument, a wrong argument type, an undefined variable',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** Every code of the table: ours, then GraphQL's own. */
export const ALL_ERROR_CODES: Readonly<Record<ErrorCode | keyof typeof GRAPHQL_ERROR_CODES, ErrorCodeEntry>> = { ...ERROR_CODES, ...GRAPHQL_ERROR_CODES };

/**
 * The status a code answers when it fails the whole request. A code raised
 * only on fields has none: should one escape its field, that is our bug (500).
 */
export function requestStatusOf(code: ErrorCode): number {
  const entry: ErrorCodeEntry = ERROR_CODES[code];
  return entry.status ?? 500;
}

export function errorTypeFor(code: string | undefined): string {
  const known = code ? (ALL_ERROR_CODES as Record<string, ErrorCodeEntry>)[code] : undefined;
  return known ? known.type : 'invalid_request_error';
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
