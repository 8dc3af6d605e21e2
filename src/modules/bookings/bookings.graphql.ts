import { isPublicCaller } from '../../auth/principal.js';
import { MAX_PAGE_SIZE } from '../../lib/cursor.js';
import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import type { RequestContext } from '../../graphql/context.js';
import { requires, typeRequires } from '../../graphql/requirements.js';
import { EventTypeRef } from '../event-types/event-types.graphql.js';
import { TeamMemberRef } from '../team/team.graphql.js';
import { bookingLoaders, type KeyReference } from './booking-loaders.js';
import { bookingCursor, findBooking, listBookings, type Booking, type BookingEvent, type CreatedBooking } from './bookings.service.js';

export const BookingStatusEnum = builder.enumType('BookingStatus', {
  description: 'Where a booking is in its lifecycle: PENDING → CONFIRMED → COMPLETED or NO_SHOW; PENDING or CONFIRMED → CANCELLED; PENDING → EXPIRED.',
  values: {
    PENDING: { description: 'Requested, holding the host’s time; awaiting confirmation.' },
    CONFIRMED: { description: 'Confirmed; holding the host’s time.' },
    CANCELLED: { description: 'Cancelled; the time is free again. Final.' },
    COMPLETED: { description: 'Took place. Final.' },
    NO_SHOW: { description: 'The attendee did not come. Final.' },
    EXPIRED: { description: 'Left PENDING past its event type’s pendingHoldMinutes (see expiresAt); the time is free again. Final.' },
  } as const,
});

const BookingEventTypeEnum = builder.enumType('BookingEventType', {
  description: 'What changed a booking; each has a booking.* webhook event of the same name.',
  values: {
    CREATED: { description: 'createBooking.' },
    UPDATED: { description: 'updateBooking changed attendee details or notes.' },
    CANCELLED: { description: 'cancelBooking.' },
    RESCHEDULED: { description: 'rescheduleBooking moved it.' },
    CONFIRMED: { description: 'confirmBooking.' },
    COMPLETED: { description: 'completeBooking.' },
    NO_SHOW: { description: 'markBookingNoShow.' },
    EXPIRED: { description: 'Its pending hold lapsed; no key did it.' },
  } as const,
});

const AttendeeRef = builder.objectRef<Booking>('Attendee').implement({
  description: 'The person who booked.',
  fields: (t) => ({
    name: t.exposeString('attendeeName', { description: 'As given, trimmed.' }),
    email: t.exposeString('attendeeEmail', { description: 'As given, trimmed.' }),
    timeZone: t.exposeString('attendeeTimeZone', { nullable: true, description: 'IANA name, e.g. "Europe/Berlin".' }),
  }),
});

const ApiKeyReferenceRef = builder.objectRef<KeyReference>('ApiKeyReference').implement({
  // Which key acted is the organization's business; a key always recognises itself.
  ...typeRequires<KeyReference>(['keys:read', 'bookings:read'], (key, { principal }) => key.id === principal.id),
  description:
    'Which API key did something: enough to recognise it. Needs keys:read or bookings:read, except for the calling key itself. The full ApiKey needs keys:read.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The ApiKey id.' }),
    preview: t.exposeString('preview', { description: 'First 12 and last 4 characters of the secret.' }),
  }),
});

/** Loads a row the database guarantees (a foreign key or an id written with the booking). */
async function required<T>(load: Promise<T | undefined>, what: string): Promise<T> {
  const row = await load;
  if (row === undefined) throw new Error(`booking points at a missing ${what}`);
  return row;
}

const keyReference = (context: RequestContext, id: string) =>
  required(bookingLoaders(context).keyReference.load(id), 'API key');

const BookingEventRef = builder.objectRef<BookingEvent>('BookingEvent').implement({
  description: 'One change in a booking’s history.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The history entry.' }),
    type: t.expose('type', { type: BookingEventTypeEnum, description: 'What happened.' }),
    fromStatus: t.expose('fromStatus', { type: BookingStatusEnum, nullable: true, description: 'The status before; null for CREATED.' }),
    toStatus: t.expose('toStatus', { type: BookingStatusEnum, description: 'The status after (the same as before for UPDATED and RESCHEDULED).' }),
    actingKey: t.field({
      type: ApiKeyReferenceRef,
      nullable: true,
      description: 'The key that made the change; null when no key did (EXPIRED: the hold lapsed).',
      resolve: (event, _args, context) => (event.actingKeyId === null ? null : keyReference(context, event.actingKeyId)),
    }),
    details: t.expose('details', {
      type: 'JSON',
      description: 'CANCELLED: { reason }; RESCHEDULED: { previousStartAt, previousEndAt }; UPDATED: { changed }; EXPIRED: { expiresAt }.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
  }),
});

export const BookingRef = builder.objectRef<Booking | CreatedBooking>('Booking').implement({
  description: 'A meeting an attendee booked with a host.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The booking.' }),
    eventType: t.field({
      type: EventTypeRef,
      description: 'Also when the event type was deleted since.',
      resolve: (booking, _args, context) =>
        required(bookingLoaders(context).eventType.load(booking.eventTypeId), 'event type'),
    }),
    host: t.field({
      type: TeamMemberRef,
      nullable: true,
      description: 'The team member booked. Every booking made through the API has one; null only for a booking stored without a host.',
      resolve: async (booking, _args, context) =>
        booking.hostId ? ((await bookingLoaders(context).teamMember.load(booking.hostId)) ?? null) : null,
    }),
    status: t.expose('status', { type: BookingStatusEnum, description: 'Where it is in its lifecycle.' }),
    startAt: t.expose('startAt', { type: 'DateTime', description: 'When the meeting starts.' }),
    endAt: t.expose('endAt', { type: 'DateTime', description: "startAt plus the event type's duration at booking (or rescheduling) time." }),
    attendee: t.field({ type: AttendeeRef, description: 'Who booked.', resolve: (booking) => booking }),
    customFieldValues: t.expose('customFieldValues', {
      type: 'JSON',
      description: 'Answers to the event type’s custom fields, by field key.',
    }),
    notes: t.exposeString('notes', { nullable: true, description: 'Free text set by updateBooking; null when none.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was booked.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true, description: 'When it was cancelled; null unless CANCELLED.' }),
    cancellationReason: t.exposeString('cancellationReason', {
      nullable: true,
      description: 'The reason cancelBooking was given; null when none.',
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'While PENDING: when the booking stops holding its slot unless confirmed (it then becomes EXPIRED), from its event type’s pendingHoldMinutes. ' +
        'On an EXPIRED booking, when it expired. Null otherwise, and when the hold lasts until confirmed or cancelled.',
      resolve: (booking) => (booking.status === 'PENDING' || booking.status === 'EXPIRED' ? booking.expiresAt : null),
    }),
    createdByKey: t.field({
      type: ApiKeyReferenceRef,
      nullable: true,
      description: 'The key that created it. Null without keys:read or bookings:read, unless it is the calling key.',
      resolve: (booking, _args, context) => keyReference(context, booking.createdByKeyId),
    }),
    history: t.field({
      type: [BookingEventRef],
      description:
        'Every change, oldest first, with the key that made it. A public key sees only the changes it made itself: what staff did (and why) is not the visitor’s to read. Empty once the booking ended more than AUDIT_RETENTION_DAYS ago.',
      resolve: async (booking, _args, context) => {
        const history = await bookingLoaders(context).history.load(booking.id);
        return isPublicCaller(context.principal) ? history.filter((event) => event.actingKeyId === context.principal.id) : history;
      },
    }),
    accessToken: t.string({
      nullable: true,
      description:
        'Shown once to the public key that created the booking; pass it to booking/bookings to read the booking back from a browser. ' +
        'Null everywhere else: on later reads, for secret keys, and when createBooking replays an idempotencyKey (only its hash is kept).',
      // Only createBooking's answer carries the token; rows read from the database never do.
      resolve: (booking) => ('accessToken' in booking ? booking.accessToken : null),
    }),
  }),
});

const BookingConnection = connectionOf('Booking', BookingRef);

const BookingFilterInput = builder.inputType('BookingFilter', {
  description: 'Every condition given must hold.',
  fields: (t) => ({
    status: t.field({ type: [BookingStatusEnum], required: false, description: 'Any of these statuses.' }),
    eventTypeId: t.id({ required: false, description: 'Bookings of this event type.' }),
    hostId: t.id({ required: false, description: 'Bookings with this host (a team member id).' }),
    from: t.field({ type: 'DateTime', required: false, description: 'Bookings starting at or after this time.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Bookings starting before this time.' }),
  }),
});

const ACCESS_TOKEN_USE = 'Secret keys read by scope and ignore it.';

builder.queryFields((t) => ({
  bookings: t.field({
    ...requires('bookings:read', 'bookings:read-own'),
    type: BookingConnection,
    description:
      "With bookings:read, the organization's bookings; with only bookings:read-own, those created with this key. " +
      'A public key sees only the bookings whose access tokens it passes (none without). In start time order.',
    args: {
      filter: t.arg({ type: BookingFilterInput, required: false, description: 'Omitted: every booking the key may see.' }),
      ...pageArgs(t.arg),
      accessTokens: t.arg.stringList({
        required: false,
        description: `Public keys: accessTokens createBooking returned, at most ${MAX_PAGE_SIZE}. ${ACCESS_TOKEN_USE}`,
      }),
    },
    resolve: (_root, args, { db, principal }) => {
      return resolveConnection(args, bookingCursor, (page) =>
        listBookings(db, principal, args.filter ?? {}, page, { accessTokens: args.accessTokens }),
      );
    },
  }),
  booking: t.field({
    ...requires('bookings:read', 'bookings:read-own'),
    type: BookingRef,
    nullable: true,
    description: 'NOT_FOUND for bookings this key may not see; for a public key, also without the booking’s access token.',
    args: {
      id: t.arg.id({ required: true, description: 'The booking.' }),
      accessToken: t.arg.string({ required: false, description: `Public keys: the accessToken createBooking returned. ${ACCESS_TOKEN_USE}` }),
    },
    resolve: (_root, { id, accessToken }, { db, principal }) =>
      findBooking(db, principal, id, { accessTokens: accessToken ? [accessToken] : [] }),
  }),
}));
