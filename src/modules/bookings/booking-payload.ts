import type { bookings } from '../../db/schema/index.js';

export type Booking = typeof bookings.$inferSelect;

/**
 * createBooking's answer: the booking and, for a public key's new booking,
 * its access token. Only this object carries the token; rows read later
 * never do (the database keeps just its hash).
 */
export type CreatedBooking = Booking & { accessToken: string | null };

/**
 * The booking as webhook receivers see it: the API's field names, related
 * objects by id, times as ISO-8601 strings. One shape for every booking.* event.
 */
export function bookingPayload(booking: Booking) {
  return {
    id: booking.id,
    eventType: { id: booking.eventTypeId },
    host: booking.hostId ? { id: booking.hostId } : null,
    status: booking.status,
    startAt: booking.startAt.toISOString(),
    endAt: booking.endAt.toISOString(),
    attendee: { name: booking.attendeeName, email: booking.attendeeEmail, timeZone: booking.attendeeTimeZone },
    customFieldValues: booking.customFieldValues,
    notes: booking.notes,
    createdAt: booking.createdAt.toISOString(),
    updatedAt: booking.updatedAt.toISOString(),
    cancelledAt: booking.cancelledAt?.toISOString() ?? null,
    cancellationReason: booking.cancellationReason,
    createdByKey: { id: booking.createdByKeyId },
  };
}

export type BookingPayload = ReturnType<typeof bookingPayload>;

/**
 * A webhook event's `data`: the booking after the change and, for changes,
 * the previous values of the fields that changed (like Stripe's previous_attributes).
 */
export function bookingEventData(booking: Booking, previous?: Booking): Record<string, unknown> {
  const data: Record<string, unknown> = { booking: bookingPayload(booking) };
  if (previous) data.previous = changedFields(bookingPayload(previous), bookingPayload(booking));
  return data;
}

function changedFields(before: BookingPayload, after: BookingPayload): Partial<BookingPayload> {
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(before)) {
    if (field === 'updatedAt') continue;
    if (JSON.stringify(value) !== JSON.stringify(after[field as keyof BookingPayload])) changed[field] = value;
  }
  return changed as Partial<BookingPayload>;
}
