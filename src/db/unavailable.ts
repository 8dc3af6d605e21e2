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
