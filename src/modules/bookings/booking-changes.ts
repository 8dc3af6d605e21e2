/**
 * Every change to a booking: each runs in one transaction that writes the
 * booking, appends its history entry and enqueues its webhook event, so the
 * three commit together or not at all.
 */
import { and, eq } from 'drizzle-orm';
import { isPublicCaller, tenantOf, type Principal } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { bookings } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { newId } from '../../lib/random.js';
import { validateCustomFieldValues } from '../event-types/custom-fields.js';
import { findEventType } from '../event-types/event-types.service.js';
import { attendeeChange, validAttendee, validIdempotencyKey, validNotes, type AttendeeChange, type AttendeeInput } from './booking-input.js';
import { newBookingAccessToken } from './booking-access-token.js';
import type { Booking, CreatedBooking } from './booking-payload.js';
import { assertWithinPublicBookingLimits, type PublicBookingLimits } from './booking-quotas.js';
import { assertBookable, assertBookableTime, claimHost } from './booking-slots.js';
import { BOOKING_ACTIONS, statusAfter, transitionError, type BookingAction } from './booking-states.js';
import { findBooking, recordChange, type BookingChange } from './bookings.service.js';

/** History entry and webhook event for a change the actor made, in the caller's transaction. */
const recordChangeBy = (tx: Executor, actor: Principal, change: Omit<BookingChange, 'actingKeyId'>) =>
  recordChange(tx, { ...change, actingKeyId: actor.id });

export type NewBooking = {
  eventTypeId: string;
  startAt: Date;
  attendee: AttendeeInput;
  customFieldValues?: unknown;
  hostId?: string | null;
  idempotencyKey?: string | null;
};

async function bookingByIdempotencyKey(db: Executor, actor: Principal, key: string): Promise<Booking | undefined> {
  const [booking] = await db
    .select()
    .from(bookings)
    .where(and(inTenant(bookings, tenantOf(actor)), eq(bookings.createdByKeyId, actor.id), eq(bookings.idempotencyKey, key)))
    .limit(1);
  return booking;
}

/** A replayed request gets the first booking but not its token: that was shown once, and only its hash is kept. */
const replayed = (booking: Booking): CreatedBooking => ({ ...booking, accessToken: null });

/** Where a booking request came from, and the limits that apply to public keys. */
export type BookingOrigin = { clientAddress: string | null; publicLimits: PublicBookingLimits };

/**
 * Books a slot for an attendee, with a host free at that time. A request
 * repeating an idempotency key of the same API key returns the booking the
 * first one made, whatever else it says, even when both arrive at once.
 * A public key's booking comes with its access token, this once, and counts
 * against the daily limits per attendee email and per client address.
 */
export async function createBooking(
  db: Executor,
  actor: Principal,
  input: NewBooking,
  origin: BookingOrigin,
  now: Date,
): Promise<CreatedBooking> {
  const tenant = tenantOf(actor);
  const idempotencyKey = validIdempotencyKey(input.idempotencyKey, isPublicCaller(actor));
  if (idempotencyKey) {
    const earlier = await bookingByIdempotencyKey(db, actor, idempotencyKey);
    if (earlier) return replayed(earlier);
  }
  const fromPublicKey = isPublicCaller(actor);
  const access = fromPublicKey ? newBookingAccessToken() : null;
  const eventType = await findEventType(db, tenant, input.eventTypeId);
  const attendee = validAttendee(input.attendee, 'attendee');
  const customFieldValues = validateCustomFieldValues(eventType.customFields, input.customFieldValues);
  const request = { eventType, startAt: input.startAt, hostIds: input.hostId ? [input.hostId] : undefined };
  try {
    return await db.transaction(async (tx) => {
      if (fromPublicKey) {
        const booker = { email: attendee.attendeeEmail, address: origin.clientAddress };
        await assertWithinPublicBookingLimits(tx, tenant, booker, origin.publicLimits, now);
      }
      await assertBookable(tx, tenant, request, now);
      const hostId = await claimHost(tx, tenant, request, now);
      const [booking] = await tx
        .insert(bookings)
        .values({
          id: newId('bkg'),
          ...tenant,
          eventTypeId: eventType.id,
          hostId,
          status: 'PENDING',
          startAt: input.startAt,
          endAt: new Date(input.startAt.getTime() + eventType.durationMinutes * 60_000),
          ...attendee,
          customFieldValues,
          createdByKeyId: actor.id,
          idempotencyKey,
          accessTokenHash: access?.hash ?? null,
          clientAddress: fromPublicKey ? origin.clientAddress : null,
          expiresAt: eventType.pendingHoldMinutes === null ? null : new Date(now.getTime() + eventType.pendingHoldMinutes * 60_000),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordChangeBy(tx, actor, { type: 'CREATED', after: booking!, before: null, now });
      return { ...booking!, accessToken: access?.token ?? null };
    });
  } catch (error) {
    // The same request raced itself: the first one took the slot (this one then finds it taken) or
    // inserted first (the unique index refuses this one). Either way the retry gets the first booking.
    if (idempotencyKey) {
      const earlier = await bookingByIdempotencyKey(db, actor, idempotencyKey);
      if (earlier) return replayed(earlier);
    }
    throw error;
  }
}

/** Finds and locks a booking the actor may act on, and refuses the action if the state machine does. */
async function lockForAction(tx: Executor, actor: Principal, id: string, action: BookingAction, now: Date): Promise<Booking> {
  const booking = await findBooking(tx, actor, id, { forUpdate: true });
  const refusal = transitionError(action, booking, now);
  if (refusal) throw badUserInput('id', refusal);
  return booking;
}

type StatusAction = 'confirm' | 'cancel' | 'complete' | 'noShow';

/** Moves a booking along the state machine (see booking-states.ts). */
export async function changeBookingStatus(
  db: Executor,
  actor: Principal,
  id: string,
  action: StatusAction,
  now: Date,
  reason?: string | null,
): Promise<Booking> {
  if (reason && reason.length > TEXT_LIMITS.cancellationReason) {
    throw badUserInput('reason', `must be at most ${TEXT_LIMITS.cancellationReason} characters.`);
  }
  return db.transaction(async (tx) => {
    const before = await lockForAction(tx, actor, id, action, now);
    const cancellation = action === 'cancel' ? { cancelledAt: now, cancellationReason: reason?.trim() || null } : {};
    const [after] = await tx
      .update(bookings)
      .set({ status: statusAfter(action, before.status), updatedAt: now, ...cancellation })
      .where(eq(bookings.id, id))
      .returning();
    const details = action === 'cancel' ? { reason: after!.cancellationReason } : {};
    await recordChangeBy(tx, actor, { type: BOOKING_ACTIONS[action].event, after: after!, before, details, now });
    return after!;
  });
}

/**
 * Moves a booking to another start time with the same host, under the same
 * availability rules and host lock as a new booking (not counting itself).
 */
export async function rescheduleBooking(db: Executor, actor: Principal, id: string, startAt: Date, now: Date): Promise<Booking> {
  const tenant = tenantOf(actor);
  return db.transaction(async (tx) => {
    const before = await lockForAction(tx, actor, id, 'reschedule', now);
    if (startAt.getTime() === before.startAt.getTime()) throw badUserInput('startAt', 'the booking already starts then.');
    const eventType = await findEventType(tx, tenant, before.eventTypeId);
    assertBookableTime(eventType, startAt, now);
    const request = { eventType, startAt, hostIds: before.hostId ? [before.hostId] : undefined, excludeBookingId: id };
    const hostId = await claimHost(tx, tenant, request, now);
    const [after] = await tx
      .update(bookings)
      .set({ startAt, endAt: new Date(startAt.getTime() + eventType.durationMinutes * 60_000), hostId, updatedAt: now })
      .where(eq(bookings.id, id))
      .returning();
    const details = { previousStartAt: before.startAt.toISOString(), previousEndAt: before.endAt.toISOString() };
    await recordChangeBy(tx, actor, { type: 'RESCHEDULED', after: after!, before, details, now });
    return after!;
  });
}

export type BookingUpdate = { attendee?: AttendeeChange | null; notes?: string | null };

/** Changes attendee details and notes; a field left out stays, `notes: null` clears the notes. */
export async function updateBooking(db: Executor, actor: Principal, id: string, input: BookingUpdate, now: Date): Promise<Booking> {
  const changes = {
    ...(input.attendee ? attendeeChange(input.attendee, 'attendee') : {}),
    ...(input.notes !== undefined ? { notes: validNotes(input.notes) } : {}),
  };
  if (Object.keys(changes).length === 0) throw badUserInput('input', 'give attendee details or notes to change.');
  return db.transaction(async (tx) => {
    const before = await lockForAction(tx, actor, id, 'update', now);
    const [after] = await tx
      .update(bookings)
      .set({ ...changes, updatedAt: now })
      .where(eq(bookings.id, id))
      .returning();
    const details = { changed: Object.keys(changes) };
    await recordChangeBy(tx, actor, { type: 'UPDATED', after: after!, before, details, now });
    return after!;
  });
}
