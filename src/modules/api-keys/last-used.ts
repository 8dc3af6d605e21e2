import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';

type Sighting = { at: Date; ip: string | null };

/**
 * Keeps `lastUsedAt` / `lastUsedIp` without a database write per request: at
 * most one write per key per interval, the latest sighting wins, and whatever
 * is pending is written on shutdown.
 */
export class LastUsedTracker implements BackgroundTask {
  private readonly pending = new Map<string, Sighting>();
  private readonly lastWrittenAt = new Map<string, number>();
  private readonly task: PeriodicTask;
  private readonly inFlight = new Set<Promise<void>>();
  writes = 0;

  constructor(
    private readonly db: Database,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    // Checked more often than the interval, so a key's pending sighting is written soon after it falls due.
    const checkEveryMs = Math.min(intervalMs, 5000);
    this.task = new PeriodicTask({ name: 'last-used flush', intervalMs: checkEveryMs, run: () => this.writeDue(Date.now()), logger });
  }

  start(): void {
    this.task.start();
  }

  touch(keyId: string, ip: string | null, now: Date): void {
    this.pending.set(keyId, { at: now, ip });
    const last = this.lastWrittenAt.get(keyId);
    if (last === undefined || now.getTime() - last >= this.intervalMs) this.write(keyId, now.getTime());
  }

  /** The freshest sighting, written or not, so the API never shows a stale value. */
  latest(keyId: string): Sighting | undefined {
    return this.pending.get(keyId);
  }

  private writeDue(nowMs: number): void {
    for (const keyId of this.pending.keys()) {
      const last = this.lastWrittenAt.get(keyId) ?? 0;
      if (nowMs - last >= this.intervalMs) this.write(keyId, nowMs);
    }
  }

  private write(keyId: string, nowMs: number): void {
    const sighting = this.pending.get(keyId);
    if (!sighting) return;
    this.pending.delete(keyId);
    this.lastWrittenAt.set(keyId, nowMs);
    this.writes++;
    const done = this.db
      .update(apiKeys)
      .set({ lastUsedAt: sighting.at, lastUsedIp: sighting.ip })
      .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sighting.at))))
      .then(
        () => undefined,
        (error: unknown) => {
          // Losing a last-used timestamp is harmless; keep it for the next try.
          if (!this.pending.has(keyId)) this.pending.set(keyId, sighting);
          this.logger.warn({ err: error, keyId }, 'could not record key last-used time');
        },
      )
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Writes everything pending, regardless of interval; for shutdown and tests. */
  async flush(): Promise<void> {
    for (const keyId of [...this.pending.keys()]) this.write(keyId, Date.now());
    await Promise.all(this.inFlight);
  }

  async stop(): Promise<void> {
    await this.task.stop();
    await this.flush();
  }
}
