import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { isPublicCaller, tenantOf } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { bookingEvents, bookings } from '../../db/schema/index.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { inTenant } from '../../db/tenant.js';
import { notFound } from '../../lib/errors.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { newId } from '../../lib/random.js';
import { accessTokenHashes } from './booking-access-token.js';
import type { Booking } from './booking-payload.js';
import type { BookingEventType, BookingStatus } from './booking-states.js';

export type { Booking, CreatedBooking } from './booking-payload.js';
export type BookingEvent = typeof bookingEvents.$inferSelect;

/**
 * What a caller shows to read a booking beyond its key: the access tokens
 * createBooking gave a public key. Secret keys need none and are not asked.
 */
export type BookingProof = { accessTokens?: readonly string[] | null };

/**
 * The bookings a caller may see and act on: the whole tenant's with
 * bookings:read; otherwise only those created with the same key. A public
 * key is public (it sits in web pages), so it also needs each booking's
 * access token: "created with this key" alone would be every visitor's
 * bookings. Mutations use the same rule, so a key that may only read its own
 * bookings cannot cancel or move anyone else's (they answer NOT_FOUND, as if absent).
 */
export function visibleTo(viewer: Principal, proof: BookingProof = {}): SQL {
  const tenant = inTenant(bookings, tenantOf(viewer));
  const own = and(tenant, eq(bookings.createdByKeyId, viewer.id))!;
  if (isPublicCaller(viewer)) {
    const hashes = accessTokenHashes(proof.accessTokens, 'accessTokens');
    return hashes.length ? and(own, inArray(bookings.accessTokenHash, hashes))! : sql`false`;
  }
  return viewer.scopes.has('bookings:read') ? tenant : own;
}

export type BookingFilter = {
  status?: readonly BookingStatus[] | null;
  eventTypeId?: string | null;
  hostId?: string | null;
  /** Bookings starting at or after this time. */
  from?: Date | null;
  /** Bookings starting before this time. */
  to?: Date | null;
};

function filterConditions(filter: BookingFilter): (SQL | undefined)[] {
  return [
    filter.status?.length ? inArray(bookings.status, [...filter.status]) : undefined,
    filter.eventTypeId ? eq(bookings.eventTypeId, filter.eventTypeId) : undefined,
    filter.hostId ? eq(bookings.hostId, filter.hostId) : undefined,
    filter.from ? gte(bookings.startAt, filter.from) : undefined,
    filter.to ? lt(bookings.startAt, filter.to) : undefined,
  ];
}

/** Start-time order: a schedule is read from the earliest appointment on. */
const BOOKING_ORDER: KeysetOrder = { at: bookings.startAt, id: bookings.id, direction: 'asc' };
export const bookingCursor = (booking: Booking) => encodeCursor({ at: booking.startAt, id: booking.id });

/** Bookings in start-time order, a keyset page at a time. */
export async function listBookings(
  db: Executor,
  viewer: Principal,
  filter: BookingFilter,
  page: PageRequest,
  proof: BookingProof = {},
): Promise<KeysetPage<Booking>> {
  const conditions = [visibleTo(viewer, proof), ...filterConditions(filter)];
  return keysetPage(BOOKING_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(bookings)
      .where(and(...conditions, where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}

/**
 * One booking the caller may see. `forUpdate` locks the row so concurrent
 * changes to the same booking apply one after the other.
 */
export async function findBooking(
  db: Executor,
  viewer: Principal,
  id: string,
  { forUpdate = false, ...proof }: BookingProof & { forUpdate?: boolean } = {},
): Promise<Booking> {
  const query = db
    .select()
    .from(bookings)
    .where(and(visibleTo(viewer, proof), eq(bookings.id, id)))
    .limit(1);
  const [booking] = forUpdate ? await query.for('update') : await query;
  if (!booking) throw notFound('booking', id);
  return booking;
}

/** Appends one entry to a booking's history. */
export async function recordBookingEvent(
  db: Executor,
  entry: {
    booking: Booking;
    type: BookingEventType;
    fromStatus: BookingStatus | null;
    actingKeyId: string;
    details?: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  await db.insert(bookingEvents).values({
    id: newId('bkev'),
    bookingId: entry.booking.id,
    organizationId: entry.booking.organizationId,
    environment: entry.booking.environment,
    type: entry.type,
    fromStatus: entry.fromStatus,
    toStatus: entry.booking.status,
    actingKeyId: entry.actingKeyId,
    details: entry.details ?? {},
    createdAt: entry.at,
  });
}
