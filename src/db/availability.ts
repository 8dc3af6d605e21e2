import type { Logger } from '../lib/logger.js';
import { unavailableReason } from './unavailable.js';

/**
 * Whether the database is known to be away. The first query that fails with
 * an "unavailable" error (src/db/unavailable.ts) marks it down; from then on
 * requests are answered 503 before they run (src/pipeline/database-gate.plugin.ts)
 * instead of each waiting for a connection attempt to fail, and a probe on
 * its own connection (DatabaseHandle.probe) asks every `probeIntervalMs`
 * until the database answers, which marks it up again (as does `/ready`'s
 * probe, when it answers first): no restart needed.
 */
export class DatabaseAvailability {
  private downSince: number | null = null;
  private probing: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly logger: Logger,
    private readonly probeIntervalMs = 200,
  ) {}

  get isDown(): boolean {
    return this.downSince !== null;
  }

  /** Called with any error a database call failed with; only "unavailable" ones count. */
  report(error: unknown): void {
    if (this.downSince !== null || this.stopped) return;
    const reason = unavailableReason(error);
    if (reason === null) return;
    this.downSince = Date.now();
    this.logger.warn({ reason }, 'database unavailable: answering 503 until it is back');
    // One loop at a time: one still waiting on its last probe goes on probing for this outage too.
    this.probing ??= this.probeUntilBack().finally(() => {
      this.probing = null;
    });
  }

  /**
   * A probe that succeeded anywhere (the loop's, or `/ready`'s on the same
   * connection) marks the database up: `/ready` must not say ready while
   * requests are still answered 503 because the loop's own probe is waiting.
   */
  reachable(): void {
    if (this.downSince === null) return;
    this.logger.info({ downForMs: Date.now() - this.downSince }, 'database reachable again');
    this.downSince = null;
  }

  /** A probe that marks the database up when it answers (for `/ready`). */
  readonly probeAndNote = async (): Promise<void> => {
    await this.probe();
    this.reachable();
  };

  private async probeUntilBack(): Promise<void> {
    while (!this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, this.probeIntervalMs).unref());
      // Up already: another probe (`/ready`'s) answered first.
      if (this.downSince === null) return;
      try {
        await this.probe();
      } catch {
        continue;
      }
      this.reachable();
      return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.probing;
  }
}
