/**
 * The SQLSTATE when PostgreSQL refused a statement for the values it carried —
 * a data exception (class 22: a NUL in text, a malformed value) or an
 * integrity violation (23) — rather than because it could not run it now;
 * null otherwise. Sent again unchanged, such a statement fails again. Also
 * when wrapped (Drizzle reports the driver's error as the `cause` of its own).
 */
export function refusedDataCode(error: unknown): string | null {
  for (let cause = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return code;
  }
  return null;
}
