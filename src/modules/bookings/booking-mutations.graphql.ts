import { builder } from '../../graphql/builder.js';
import type { RequestContext } from '../../graphql/context.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { changeBookingStatus, createBooking, rescheduleBooking, updateBooking } from './booking-changes.js';
import { bookingLoaders } from './booking-loaders.js';
import type { Booking } from './booking-payload.js';
import { BookingRef } from './bookings.graphql.js';
import { BOOKING_LIMITS } from './booking-input.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';

const ATTENDEE_NAME = `1 to ${BOOKING_LIMITS.maxNameLength} characters after trimming.`;
const ATTENDEE_EMAIL = `An email address such as ada@example.com, at most ${BOOKING_LIMITS.maxEmailLength} characters.`;

const AttendeeInput = builder.inputType('AttendeeInput', {
  description: 'The person booking.',
  fields: (t) => ({
    name: t.string({ required: true, description: ATTENDEE_NAME }),
    email: t.string({ required: true, description: ATTENDEE_EMAIL }),
    timeZone: t.string({ required: false, description: 'IANA name, e.g. "Europe/Berlin"; stored with the booking.' }),
  }),
});

const CreateBookingInput = builder.inputType('CreateBookingInput', {
  description: 'A booking of one slot of an event type.',
  fields: (t) => ({
    eventTypeId: t.id({ required: true, description: 'An active event type that is not deleted.' }),
    startAt: t.field({ type: 'DateTime', required: true, description: 'A slot start returned by `availability`.' }),
    attendee: t.field({ type: AttendeeInput, required: true, description: 'Who is booking.' }),
    customFieldValues: t.field({
      type: 'JSON',
      required: false,
      description: 'Answers to the event type’s custom fields, as an object by field key; required fields must be answered, unknown keys are refused.',
    }),
    hostId: t.id({ required: false, description: 'Book this host; otherwise the least busy free host is chosen.' }),
    idempotencyKey: t.string({
      required: false,
      description:
        `Retrying with the same key (from the same API key) within 24 hours returns the first booking instead of a second (accessToken null); after that the key is forgotten. At most ${BOOKING_LIMITS.maxIdempotencyKeyLength} characters. ` +
        `With a public key it must be at least ${BOOKING_LIMITS.minPublicIdempotencyKeyLength} random characters (a UUID): anyone who has the key and repeats it gets that booking back.`,
    }),
  }),
});

const AttendeeUpdateInput = builder.inputType('AttendeeUpdateInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    name: t.string({ required: false, description: ATTENDEE_NAME }),
    email: t.string({ required: false, description: ATTENDEE_EMAIL }),
    timeZone: t.string({ required: false, description: 'IANA name; null clears it.' }),
  }),
});

const UpdateBookingInput = builder.inputType('UpdateBookingInput', {
  description: 'Give attendee details, notes or both; what is left out stays as it is.',
  fields: (t) => ({
    attendee: t.field({ type: AttendeeUpdateInput, required: false, description: 'Fields left out stay as they are.' }),
    notes: t.string({ required: false, description: `Free text, at most ${BOOKING_LIMITS.maxNotesLength} characters; null clears the notes.` }),
  }),
});

/**
 * A booking changed by this request: its history, if already loaded by an
 * earlier mutation of the same request, must be read again.
 */
function changed<T extends Booking>(context: RequestContext, booking: T): T {
  bookingLoaders(context).history.clear(booking.id);
  return booking;
}

const ON_OTHERS =
  'Without bookings:read, only bookings created with this key; others answer NOT_FOUND. An illegal transition is BAD_USER_INPUT naming the current status.';

builder.mutationFields((t) => ({
  createBooking: t.field({
    ...requires('bookings:create'),
    ...rateLimited(...FIELD_LIMITS.bookingCreation),
    type: BookingRef,
    description:
      'Books a free slot within the event type’s booking window; the booking starts PENDING. SLOT_UNAVAILABLE when the time is not (or no longer) free. ' +
      'For a public key the answer carries the booking’s accessToken, this once; public keys get BOOKING_LIMIT_REACHED beyond ' +
      'their daily bookings per attendee email or per client address.',
    args: { input: t.arg({ type: CreateBookingInput, required: true, description: 'The booking to make.' }) },
    resolve: async (_root, { input }, context) => {
      const booking = await createBooking(
        context.db,
        context.principal,
        input,
        { clientAddress: context.client.ip, publicLimits: context.limits.publicBookings },
        context.now(),
      );
      return changed(context, booking);
    },
  }),
  updateBooking: t.field({
    ...requires('bookings:update'),
    type: BookingRef,
    description: `Changes attendee details and notes; not once CANCELLED or EXPIRED. ${ON_OTHERS}`,
    args: {
      id: t.arg.id({ required: true, description: 'The booking.' }),
      input: t.arg({ type: UpdateBookingInput, required: true, description: 'What changes.' }),
    },
    resolve: async (_root, { id, input }, context) =>
      changed(context, await updateBooking(context.db, context.principal, id, input, context.now())),
  }),
  cancelBooking: t.field({
    ...requires('bookings:cancel'),
    type: BookingRef,
    description: `Cancels a PENDING or CONFIRMED booking, freeing the host’s time. ${ON_OTHERS}`,
    args: {
      id: t.arg.id({ required: true, description: 'The booking.' }),
      reason: t.arg.string({
        required: false,
        description: `Why, at most ${TEXT_LIMITS.cancellationReason} characters; kept as cancellationReason and sent in the webhook.`,
      }),
    },
    resolve: async (_root, { id, reason }, context) =>
      changed(context, await changeBookingStatus(context.db, context.principal, id, 'cancel', context.now(), reason)),
  }),
  rescheduleBooking: t.field({
    ...requires('bookings:reschedule'),
    type: BookingRef,
    description: `Moves a PENDING or CONFIRMED booking to a future time within the booking window when its host is free then; a PENDING booking keeps its expiresAt. ${ON_OTHERS}`,
    args: {
      id: t.arg.id({ required: true, description: 'The booking.' }),
      startAt: t.arg({ type: 'DateTime', required: true, description: 'The new start: a free slot of the same host (see availability).' }),
    },
    resolve: async (_root, { id, startAt }, context) =>
      changed(context, await rescheduleBooking(context.db, context.principal, id, startAt, context.now())),
  }),
  ...statusMutations(t),
}));

/** The plain status moves; their rules live in the transition table (booking-states.ts). */
const STATUS_MUTATIONS = {
  confirmBooking: { transition: 'confirm', description: 'PENDING to CONFIRMED, before its hold lapses (expiresAt).' },
  completeBooking: { transition: 'complete', description: 'CONFIRMED to COMPLETED, once the start time has passed.' },
  markBookingNoShow: { transition: 'noShow', description: 'CONFIRMED to NO_SHOW, once the start time has passed.' },
} as const;

function statusMutations(t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) {
  return Object.fromEntries(
    Object.entries(STATUS_MUTATIONS).map(([name, { transition, description }]) => [
      name,
      t.field({
        ...requires('bookings:transition'),
        type: BookingRef,
        description: `${description} ${ON_OTHERS}`,
        args: { id: t.arg.id({ required: true, description: 'The booking.' }) },
        resolve: async (_root, { id }, context) =>
          changed(context, await changeBookingStatus(context.db, context.principal, id, transition, context.now())),
      }),
    ]),
  );
}
