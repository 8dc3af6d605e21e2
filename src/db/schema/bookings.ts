import { index, jsonb, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns, timestamptz } from './common.js';
import { eventTypes } from './event-types.js';

export const bookingStatusEnum = pgEnum('booking_status', ['PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW']);

export const bookings = pgTable(
  'bookings',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    eventTypeId: text('event_type_id')
      .notNull()
      .references(() => eventTypes.id),
    hostId: text('host_id'),
    status: bookingStatusEnum('status').notNull().default('PENDING'),
    startAt: timestamptz('start_at').notNull(),
    endAt: timestamptz('end_at').notNull(),
    attendeeName: text('attendee_name').notNull(),
    attendeeEmail: text('attendee_email').notNull(),
    attendeeTimeZone: text('attendee_time_zone'),
    customFieldValues: jsonb('custom_field_values').$type<Record<string, unknown>>().notNull().default({}),
    notes: text('notes'),
    createdByKeyId: text('created_by_key_id').notNull(),
    idempotencyKey: text('idempotency_key'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    cancelledAt: timestamptz('cancelled_at'),
    cancellationReason: text('cancellation_reason'),
  },
  (t) => [
    index('bookings_tenant_idx').on(t.organizationId, t.environment, t.startAt, t.id),
    index('bookings_created_by_key_idx').on(t.organizationId, t.environment, t.createdByKeyId),
  ],
);
