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
import { enqueueWebhookEvent, type WebhookEventType } from '../webhooks/outbox.js';
import { attendeeChange, validAttendee, validIdempotencyKey, validNotes, type AttendeeChange, type AttendeeInput } from './booking-input.js';
import { newBookingAccessToken } from './booking-access-token.js';
import { bookingEventData, type Booking, type CreatedBooking } from './booking-payload.js';
import { assertBookable, assertBookableTime, claimHost } from './booking-slots.js';
import { BOOKING_ACTIONS, statusAfter, transitionError, type BookingAction, type BookingEventType } from './booking-states.js';
import { findBooking, recordBookingEvent } from './bookings.service.js';

const WEBHOOK_EVENTS: Record<BookingEventType, WebhookEventType> = {
  CREATED: 'booking.created',
  UPDATED: 'booking.updated',
  CANCELLED: 'booking.cancelled',
  RESCHEDULED: 'booking.rescheduled',
  CONFIRMED: 'booking.confirmed',
  COMPLETED: 'booking.completed',
  NO_SHOW: 'booking.no_show',
};

/** History entry and webhook event for one change, in the caller's transaction. */
async function recordChange(
  tx: Executor,
  actor: Principal,
  change: { type: BookingEventType; after: Booking; before: Booking | null; details?: Record<string, unknown>; now: Date },
): Promise<void> {
  await recordBookingEvent(tx, {
    booking: change.after,
    type: change.type,
    fromStatus: change.before?.status ?? null,
    actingKeyId: actor.id,
    details: change.details,
    at: change.now,
  });
  const data = bookingEventData(change.after, change.before ?? undefined);
  await enqueueWebhookEvent(tx, tenantOf(actor), WEBHOOK_EVENTS[change.type], data, change.now);
}

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

/**
 * Books a slot for an attendee, with a host free at that time. A request
 * repeating an idempotency key of the same API key returns the booking the
 * first one made, whatever else it says, even when both arrive at once.
 * A public key's booking comes with its access token, this once.
 */
export async function createBooking(db: Executor, actor: Principal, input: NewBooking, now: Date): Promise<CreatedBooking> {
  const tenant = tenantOf(actor);
  const idempotencyKey = validIdempotencyKey(input.idempotencyKey, isPublicCaller(actor));
  if (idempotencyKey) {
    const earlier = await bookingByIdempotencyKey(db, actor, idempotencyKey);
    if (earlier) return replayed(earlier);
  }
  const access = isPublicCaller(actor) ? newBookingAccessToken() : null;
  const eventType = await findEventType(db, tenant, input.eventTypeId);
  const attendee = validAttendee(input.attendee, 'attendee');
  const customFieldValues = validateCustomFieldValues(eventType.customFields, input.customFieldValues);
  const request = { eventType, startAt: input.startAt, hostIds: input.hostId ? [input.hostId] : undefined };
  try {
    return await db.transaction(async (tx) => {
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
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordChange(tx, actor, { type: 'CREATED', after: booking!, before: null, now });
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
    await recordChange(tx, actor, { type: BOOKING_ACTIONS[action].event, after: after!, before, details, now });
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
    await recordChange(tx, actor, { type: 'RESCHEDULED', after: after!, before, details, now });
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
    await recordChange(tx, actor, { type: 'UPDATED', after: after!, before, details, now });
    return after!;
  });
}
