import { and, asc, eq, isNull, lte, notInArray, or } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { calendarConnections } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { OutboundFailure, sendOutbound, type OutboundError, type OutboundResponse } from '../../lib/outbound-http.js';
import type { HostResolver, OutboundEnvironment } from '../../lib/outbound-url.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { FeedFormatError, reduceFeed } from './ics.js';

export type CalendarSyncOptions = {
  timeoutMs: number;
  /** A feed older than this is fetched again; 0 also turns the background loop off. */
  refreshIntervalMs: number;
};

export type CalendarSyncDeps = { secrets: SecretBox; resolver: HostResolver; now: () => Date; logger: Logger };

/** Feeds are small; anything larger is more likely a mistake (or an attack) than a calendar. */
const MAX_FEED_BYTES = 5 * 1024 * 1024;
const BATCH = 20;

/**
 * Fetches members' ICS feeds into busy snapshots. Availability reads only the
 * snapshots, so a slow or broken feed never slows or breaks it: a failure is
 * recorded on the connection (status ERROR, lastError: its category only,
 * see OUTBOUND_ERRORS) and the last good snapshot keeps blocking time until a
 * fetch succeeds again.
 */
export class CalendarSync implements BackgroundTask {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Database,
    private readonly options: CalendarSyncOptions,
    private readonly deps: CalendarSyncDeps,
  ) {
    // Looked at at least every minute, so a feed is refreshed soon after it goes stale.
    const intervalMs = Math.min(options.refreshIntervalMs, 60_000);
    this.task = new PeriodicTask({ name: 'calendar refresh round', intervalMs, run: (stopping) => this.refreshStale(stopping), logger: deps.logger });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /**
   * Refreshes every feed last tried longer ago than the refresh interval.
   * Rows are claimed (lastAttemptAt moved to now) under FOR UPDATE SKIP LOCKED,
   * so instances sharing a database split the feeds rather than all fetching each.
   * Once `stopping` is aborted (shutdown) it ends after the feed in hand; feeds
   * it had claimed but not fetched wait for the next round.
   */
  async refreshStale(stopping?: AbortSignal): Promise<number> {
    const done: string[] = [];
    let fetched = 0;
    while (!stopping?.aborted) {
      const now = this.deps.now();
      const staleBefore = new Date(now.getTime() - this.options.refreshIntervalMs);
      const claimed = await this.db.transaction(async (tx) => {
        const due = await tx
          .select({ id: calendarConnections.id })
          .from(calendarConnections)
          .where(
            and(
              or(isNull(calendarConnections.lastAttemptAt), lte(calendarConnections.lastAttemptAt, staleBefore)),
              done.length > 0 ? notInArray(calendarConnections.id, done) : undefined,
            ),
          )
          .orderBy(asc(calendarConnections.lastAttemptAt))
          .limit(BATCH)
          .for('update', { skipLocked: true });
        for (const { id } of due) {
          await tx.update(calendarConnections).set({ lastAttemptAt: now }).where(eq(calendarConnections.id, id));
        }
        return due.map((row) => row.id);
      });
      if (claimed.length === 0) break;
      for (const id of claimed) {
        if (stopping?.aborted) break;
        await this.sync(id);
        fetched++;
      }
      // Each feed once per round, even when a zero interval makes it stale again at once.
      done.push(...claimed);
    }
    return fetched;
  }

  /** Fetches one feed now and records the outcome on its connection. */
  async sync(connectionId: string): Promise<void> {
    const [connection] = await this.db
      .select({ urlSealed: calendarConnections.urlSealed, environment: calendarConnections.environment, host: calendarConnections.host })
      .from(calendarConnections)
      .where(eq(calendarConnections.id, connectionId))
      .limit(1);
    if (!connection) return;
    const outcome = await this.fetchFeed(connection);
    const now = this.deps.now();
    if ('error' in outcome) {
      // The host and the detail, never the URL: it is the feed's credential. Our own failures are the operators' to fix.
      const level = outcome.error === 'internal_error' ? 'error' : 'info';
      this.deps.logger[level]({ connectionId, host: connection.host, error: outcome.error, detail: outcome.detail }, 'calendar feed sync failed');
    }
    await this.db
      .update(calendarConnections)
      .set(
        'snapshot' in outcome
          ? { status: 'ACTIVE', busySnapshot: outcome.snapshot, lastSyncedAt: now, lastAttemptAt: now, lastError: null, updatedAt: now }
          : { status: 'ERROR', lastAttemptAt: now, lastError: outcome.error, updatedAt: now },
      )
      .where(eq(calendarConnections.id, connectionId));
  }

  /** The feed reduced to busy times, or the category of its failure (stored) and the detail (logged). */
  private async fetchFeed(connection: {
    urlSealed: string;
    environment: OutboundEnvironment;
  }): Promise<{ snapshot: string } | { error: OutboundError; detail?: string }> {
    let url: string;
    try {
      url = this.deps.secrets.open(connection.urlSealed);
    } catch (error) {
      return { error: 'internal_error', detail: `could not open the stored feed URL: ${(error as Error).message}` };
    }
    let response: OutboundResponse;
    try {
      response = await sendOutbound({
        url,
        method: 'GET',
        headers: { accept: 'text/calendar', 'user-agent': 'Tessera-Calendars/1.0' },
        environment: connection.environment,
        timeoutMs: this.options.timeoutMs,
        maxResponseBytes: MAX_FEED_BYTES,
        resolver: this.deps.resolver,
      });
    } catch (failure) {
      // sendOutbound throws nothing else; whatever else it were, its message could quote the URL.
      return failure instanceof OutboundFailure ? { error: failure.category, detail: failure.message } : { error: 'internal_error' };
    }
    if (response.status < 200 || response.status >= 300) return { error: 'http_error', detail: `HTTP ${response.status}` };
    try {
      return { snapshot: reduceFeed(response.body) };
    } catch (failure) {
      // Whatever the parser trips on, the answer was not a feed we can read. Only the error's
      // name is logged for a surprise: parser messages may quote the feed's events.
      const detail = failure instanceof FeedFormatError ? failure.message : `unexpected parser failure (${(failure as Error)?.name})`;
      return { error: 'invalid_feed', detail };
    }
  }
}
