import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { isPublicCaller, tenantOf } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { bookingEvents, bookings } from '../../db/schema/index.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { inTenant } from '../../db/tenant.js';
import { notFound } from '../../lib/errors.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { newId } from '../../lib/random.js';
import { enqueueWebhookEvent, type WebhookEventType } from '../webhooks/outbox.js';
import { accessTokenHashes } from './booking-access-token.js';
import { bookingEventData, type Booking } from './booking-payload.js';
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
    return hashes.length ? and(own, inTextList(bookings.accessTokenHash, hashes))! : sql`false`;
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

const WEBHOOK_EVENTS: Record<BookingEventType, WebhookEventType> = {
  CREATED: 'booking.created',
  UPDATED: 'booking.updated',
  CANCELLED: 'booking.cancelled',
  RESCHEDULED: 'booking.rescheduled',
  CONFIRMED: 'booking.confirmed',
  COMPLETED: 'booking.completed',
  NO_SHOW: 'booking.no_show',
  EXPIRED: 'booking.expired',
};

export type BookingChange = {
  type: BookingEventType;
  after: Booking;
  before: Booking | null;
  /** The key that made the change; null when none did (a hold lapsed). */
  actingKeyId: string | null;
  details?: Record<string, unknown>;
  now: Date;
};

/**
 * Appends the change to the booking's history and enqueues its webhook event,
 * in the caller's transaction, so both commit with the change or not at all.
 */
export async function recordChange(tx: Executor, change: BookingChange): Promise<void> {
  const { after, before, now } = change;
  const tenant = { organizationId: after.organizationId, environment: after.environment };
  await tx.insert(bookingEvents).values({
    id: newId('bkev'),
    bookingId: after.id,
    ...tenant,
    type: change.type,
    fromStatus: before?.status ?? null,
    toStatus: after.status,
    actingKeyId: change.actingKeyId,
    details: change.details ?? {},
    createdAt: now,
  });
  await enqueueWebhookEvent(tx, tenant, WEBHOOK_EVENTS[change.type], bookingEventData(after, before ?? undefined), now);
}
