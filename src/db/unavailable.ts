/**
 * Whether an error means "the database cannot serve now" (answered 503 with
 * Retry-After, not 500): connection failures from postgres.js and node
 * sockets, PostgreSQL's own "going away / not yet up / full" SQLSTATEs, a
 * statement cancelled by `statement_timeout`, and a closed PGlite — also when
 * wrapped (Drizzle reports them as the `cause` of a DrizzleQueryError).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableReason(error) !== null;
}

/** The code (or PGlite's message) that makes the error an "unavailable" one, for logs; null when it is not one. */
export function unavailableReason(error: unknown, depth = 0): string | null {
  const code = (error as { code?: unknown })?.code;
  const message = (error as { message?: unknown })?.message;
  const cause = (error as { cause?: unknown })?.cause;
  const causeReason = cause !== undefined && depth < 5 ? unavailableReason(cause, depth + 1) : null;
  if (causeReason !== null) return causeReason;
  if (typeof code === 'string' && (DRIVER_CODES.has(code) || isUnavailableSqlState(code, message))) return code;
  return typeof message === 'string' && /PGlite is closed/i.test(message) ? 'PGlite is closed' : null;
}

const DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/**
 * 08xxx connection exceptions; 57P01 admin shutdown, 57P02 crash shutdown,
 * 57P03 cannot connect now (starting up, shutting down, recovering);
 * 53300 too many connections; 57014 only when a statement timeout cancelled
 * it (the same code also means a cancel someone asked for).
 */
function isUnavailableSqlState(code: string, message: unknown): boolean {
  if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  return code === '57014' && typeof message === 'string' && /statement timeout/i.test(message);
}
