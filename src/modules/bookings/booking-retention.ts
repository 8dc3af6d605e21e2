import { and, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import { inBatches } from '../../db/batches.js';
import type { Database } from '../../db/client.js';
import { bookingEvents, bookings } from '../../db/schema/index.js';

/** How long a createBooking idempotency key is remembered, as Stripe does: a retry comes within minutes, not days. */
export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Forgets the idempotency keys of bookings created before `createdBefore`:
 * the booking stays, and repeating its key later makes a new booking. Keeps
 * the unique index on (key, idempotency key) to about a day of bookings.
 */
export function forgetIdempotencyKeys(db: Database, createdBefore: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const batch = db
      .select({ id: bookings.id })
      .from(bookings)
      .where(and(isNotNull(bookings.idempotencyKey), lt(bookings.createdAt, createdBefore)))
      .limit(limit)
      .for('update', { skipLocked: true });
    const forgotten = await db.update(bookings).set({ idempotencyKey: null }).where(inArray(bookings.id, batch)).returning({ id: bookings.id });
    return forgotten.length;
  });
}

/**
 * Deletes the history (booking_events) of bookings that ended before
 * `endedBefore`. The booking itself, with its final status, stays; only the
 * record of each change and the key that made it goes.
 */
export function pruneBookingHistory(db: Database, endedBefore: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const batch = db
      .select({ id: bookingEvents.id })
      .from(bookingEvents)
      .innerJoin(bookings, eq(bookings.id, bookingEvents.bookingId))
      .where(lt(bookings.endAt, endedBefore))
      .limit(limit);
    const deleted = await db.delete(bookingEvents).where(inArray(bookingEvents.id, batch)).returning({ id: bookingEvents.id });
    return deleted.length;
  });
}
