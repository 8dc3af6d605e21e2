import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { normalizeAllowedOrigin, originAllowed } from '../../auth/origins.js';

/** Keys changed by another instance or the CLI become visible to CORS within this time. */
export const ORIGIN_REFRESH_INTERVAL_MS = 30_000;

/**
 * Every browser origin that some active public key of the service allows, held
 * in memory so a CORS preflight is answered without a database query.
 *
 * A `pk_test_` key accepts any origin (local development), so while one exists
 * every origin passes the preflight. That is safe because CORS is not where
 * keys are enforced: the actual request is checked against its own key's
 * origins (see `auth/origin-policy.ts`), and no cookie or other ambient
 * credential ever authorizes a request here.
 */
export class BrowserOriginRegistry implements BackgroundTask {
  private exact = new Set<string>();
  private wildcards: string[] = [];
  private anyOrigin = false;
  private loaded: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Executor,
    private readonly logger: Logger,
    private readonly now: () => Date,
    refreshIntervalMs = ORIGIN_REFRESH_INTERVAL_MS,
  ) {
    this.task = new PeriodicTask({ name: 'origin refresh', intervalMs: refreshIntervalMs, run: () => this.refresh(), logger });
  }

  start(): void {
    // Through the task, so a stop() right after start() waits for this first load too.
    this.loaded ??= this.task.runNow();
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /**
   * Reloads from the database. Calls queue behind each other, so a caller that
   * changed a key sees its change once the returned promise settles.
   */
  refresh(): Promise<void> {
    // load() never rejects, so the chain never breaks.
    this.chain = this.chain.then(() => this.load());
    return this.chain;
  }

  /** Whether some key of the service would accept requests from this origin. */
  async allows(origin: string): Promise<boolean> {
    // Only the first preflight after start waits, for the one initial load.
    await (this.loaded ??= this.refresh());
    if (this.anyOrigin) return true;
    const candidate = normalizeAllowedOrigin(origin);
    if (!candidate.ok || candidate.origin.includes('*')) return false;
    return this.exact.has(candidate.origin) || originAllowed(candidate.origin, this.wildcards);
  }

  private async load(): Promise<void> {
    try {
      const rows = await this.db
        .select({ environment: apiKeys.environment, allowedOrigins: apiKeys.allowedOrigins })
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.type, 'PUBLIC'),
            isNull(apiKeys.revokedAt),
            or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, this.now())),
          ),
        );
      const exact = new Set<string>();
      const wildcards = new Set<string>();
      let anyOrigin = false;
      for (const row of rows) {
        if (row.environment === 'TEST') anyOrigin = true;
        for (const origin of row.allowedOrigins) (origin.includes('*') ? wildcards : exact).add(origin);
      }
      this.exact = exact;
      this.wildcards = [...wildcards];
      this.anyOrigin = anyOrigin;
    } catch (error) {
      // Keep answering from the last known set; the next refresh tries again.
      this.logger.warn({ err: error }, 'could not refresh the allowed browser origins');
    }
  }
}
