/**
 * Whether a database error (wrapped by Drizzle or not) broke the unique index
 * `constraint`. Checking first and inserting after leaves a gap two requests
 * can race through; the index closes it, and this turns its refusal back into
 * the answer the check would have given.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const failure = cause as { code?: unknown; constraint?: unknown; constraint_name?: unknown };
    if (failure.code === '23505') return failure.constraint === constraint || failure.constraint_name === constraint;
  }
  return false;
}
