/**
 * Waits for something another part of the system does on its own (a NOTIFY
 * arriving, an abort being handled), checking every few milliseconds, and
 * fails after `timeoutMs`. Returns how long it took.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 2000, what = 'condition'): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
