import type { DatabaseHandle } from './client.js';
import { migrateDatabase } from './migrate.js';
import { isDatabaseUnavailable } from './unavailable.js';

export type WaitOptions = {
  /** Give up (rethrow the last failure) once this much time has passed; 0 tries once. */
  timeoutMs: number;
  /** Told about each failed attempt and how long until the next. */
  onRetry(error: unknown, attempt: number, retryInMs: number): void;
  /** Injected by tests with a clock they move. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
};

const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 5000;

/**
 * Migrates the database once it can be reached. A database that is still
 * starting (or briefly away: a restart, a failover) is retried with backoff
 * until `timeoutMs`, instead of ending the process at once, so an
 * orchestrator that starts the app and its database together needs no
 * ordering. Any other failure (bad credentials, a failing migration) is
 * thrown at once.
 */
export async function migrateWhenReachable(database: DatabaseHandle, options: WaitOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const giveUpAt = now() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await database.ping();
      await migrateDatabase(database);
      return;
    } catch (error) {
      const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), LONGEST_RETRY_MS);
      if (!isDatabaseUnavailable(error) || now() + retryInMs > giveUpAt) throw error;
      options.onRetry(error, attempt, retryInMs);
      await sleep(retryInMs);
    }
  }
}
