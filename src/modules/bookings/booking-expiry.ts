import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { bookings } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { BOOKING_ACTIONS, statusAfter } from './booking-states.js';
import { recordChange } from './bookings.service.js';

export type BookingExpiryOptions = {
  /** 0: no background loop; call `expireLapsedHolds()` yourself. */
  intervalMs: number;
  batchSize?: number;
};

export type BookingExpiryDeps = { now: () => Date; logger: Logger };

/**
 * Marks PENDING bookings whose hold has lapsed EXPIRED, each with its history
 * entry and `booking.expired` webhook event in the same transaction. Their
 * slots are free from the moment the hold lapses (availability and the
 * double-booking check already ignore them); this records it. Rows are taken
 * with FOR UPDATE SKIP LOCKED, so instances sharing a database split the work
 * and never expire one booking twice, and a booking being confirmed or
 * cancelled at that moment is left for the next round.
 */
export class BookingExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: BookingExpiryOptions,
    private readonly deps: BookingExpiryDeps,
  ) {}

  start(): void {
    if (this.options.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.expireLapsedHolds()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'booking expiry round failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Expires every lapsed hold, batch by batch; returns how many bookings it expired. */
  async expireLapsedHolds(): Promise<number> {
    let expired = 0;
    for (;;) {
      const batch = await this.expireBatch();
      if (batch === 0) return expired;
      expired += batch;
    }
  }

  private expireBatch(): Promise<number> {
    const now = this.deps.now();
    const rule = BOOKING_ACTIONS.expire;
    return this.db.transaction(async (tx) => {
      const lapsed = await tx
        .select()
        .from(bookings)
        .where(and(inArray(bookings.status, [...rule.from]), lte(bookings.expiresAt, now)))
        .orderBy(asc(bookings.expiresAt))
        .limit(this.options.batchSize ?? 50)
        .for('update', { skipLocked: true });
      for (const before of lapsed) {
        const [after] = await tx
          .update(bookings)
          .set({ status: statusAfter('expire', before.status), updatedAt: now })
          .where(eq(bookings.id, before.id))
          .returning();
        const details = { expiresAt: before.expiresAt!.toISOString() };
        await recordChange(tx, { type: rule.event, after: after!, before, actingKeyId: null, details, now });
      }
      return lapsed.length;
    });
  }
}
