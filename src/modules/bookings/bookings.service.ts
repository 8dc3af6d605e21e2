import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { tenantOf } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { bookings } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { notFound } from '../../graphql/errors.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';

export type Booking = typeof bookings.$inferSelect;

/**
 * The bookings a caller may read: the whole tenant's with bookings:read, only
 * those created with the same key with bookings:read-own.
 */
function visibleTo(viewer: Principal): SQL {
  const tenant = inTenant(bookings, tenantOf(viewer));
  return viewer.scopes.has('bookings:read') ? tenant : and(tenant, eq(bookings.createdByKeyId, viewer.keyId))!;
}

export async function listBookings(
  db: Executor,
  viewer: Principal,
  page: { first: number; after?: string | null },
): Promise<{ bookings: Booking[]; hasNextPage: boolean }> {
  const conditions: (SQL | undefined)[] = [visibleTo(viewer)];
  if (page.after) {
    const cursor = decodeCursor(page.after, 'after');
    conditions.push(or(gt(bookings.startAt, cursor.at), and(eq(bookings.startAt, cursor.at), gt(bookings.id, cursor.id))));
  }
  const rows = await db
    .select()
    .from(bookings)
    .where(and(...conditions))
    .orderBy(asc(bookings.startAt), asc(bookings.id))
    .limit(page.first + 1);
  return { bookings: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}

export async function findBooking(db: Executor, viewer: Principal, id: string): Promise<Booking> {
  const [booking] = await db
    .select()
    .from(bookings)
    .where(and(visibleTo(viewer), eq(bookings.id, id)))
    .limit(1);
  if (!booking) throw notFound('booking', id);
  return booking;
}

export const bookingCursor = (booking: Booking) => encodeCursor({ at: booking.startAt, id: booking.id });
