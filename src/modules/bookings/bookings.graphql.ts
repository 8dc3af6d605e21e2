import { builder } from '../../graphql/builder.js';
import { connectionOf } from '../../graphql/connection.js';
import { requires } from '../../graphql/scopes.js';
import { pageSize } from '../../lib/cursor.js';
import { EventTypeRef } from '../event-types/event-types.graphql.js';
import { findEventType } from '../event-types/event-types.service.js';
import { tenantOf } from '../../auth/principal.js';
import { bookingCursor, findBooking, listBookings, type Booking } from './bookings.service.js';

const BookingStatusEnum = builder.enumType('BookingStatus', {
  values: ['PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW'] as const,
});

const AttendeeRef = builder.objectRef<Booking>('Attendee').implement({
  fields: (t) => ({
    name: t.exposeString('attendeeName'),
    email: t.exposeString('attendeeEmail'),
    timeZone: t.exposeString('attendeeTimeZone', { nullable: true }),
  }),
});

export const BookingRef = builder.objectRef<Booking>('Booking').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    eventType: t.field({
      type: EventTypeRef,
      resolve: (booking, _args, { db, principal }) => findEventType(db, tenantOf(principal), booking.eventTypeId),
    }),
    status: t.expose('status', { type: BookingStatusEnum }),
    startAt: t.expose('startAt', { type: 'DateTime' }),
    endAt: t.expose('endAt', { type: 'DateTime' }),
    attendee: t.field({ type: AttendeeRef, resolve: (booking) => booking }),
    notes: t.exposeString('notes', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    cancellationReason: t.exposeString('cancellationReason', { nullable: true }),
  }),
});

const BookingConnection = connectionOf('Booking', BookingRef);

builder.queryFields((t) => ({
  bookings: t.field({
    ...requires('bookings:read', 'bookings:read-own'),
    type: BookingConnection,
    description: "With bookings:read, the organization's bookings; with only bookings:read-own, those created with this key.",
    args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
    resolve: async (_root, args, { db, principal }) => {
      const page = await listBookings(db, principal, { first: pageSize(args.first), after: args.after });
      return { nodes: page.bookings, hasNextPage: page.hasNextPage, cursorOf: bookingCursor };
    },
  }),
  booking: t.field({
    ...requires('bookings:read', 'bookings:read-own'),
    type: BookingRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, principal }) => findBooking(db, principal, String(id)),
  }),
}));
