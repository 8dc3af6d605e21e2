import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns, timestamptz } from './common.js';
import { eventTypes } from './event-types.js';

export const bookingStatusEnum = pgEnum('booking_status', ['PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW', 'EXPIRED']);

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
    /**
     * SHA-256 of the access token a public key got when it made this booking
     * (the token itself is shown once, never stored). Null for bookings made
     * with secret keys, which read back by key instead.
     */
    accessTokenHash: text('access_token_hash'),
    /**
     * The client address a public key booked from, which the per-address daily
     * limit counts. Null for secret keys (their address is a server's) and when
     * no address was known.
     */
    clientAddress: text('client_address'),
    /**
     * When this booking stops holding its slot if it is still PENDING (it then
     * becomes EXPIRED), from its event type's pendingHoldMinutes at creation.
     * Null: it holds until confirmed or cancelled.
     */
    expiresAt: timestamptz('expires_at'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    cancelledAt: timestamptz('cancelled_at'),
    cancellationReason: text('cancellation_reason'),
  },
  (t) => [
    // Each list filter has an index that also serves the (start_at, id) keyset order.
    index('bookings_tenant_idx').on(t.organizationId, t.environment, t.startAt, t.id),
    index('bookings_created_by_key_idx').on(t.organizationId, t.environment, t.createdByKeyId, t.startAt, t.id),
    index('bookings_status_idx').on(t.organizationId, t.environment, t.status, t.startAt, t.id),
    index('bookings_event_type_idx').on(t.organizationId, t.environment, t.eventTypeId, t.startAt, t.id),
    // Also serves the overlap count taken under the host's lock when booking.
    index('bookings_host_idx').on(t.organizationId, t.environment, t.hostId, t.startAt, t.id),
    // A retried request with the same key and idempotency key finds the first booking, even under a race.
    uniqueIndex('bookings_idempotency_idx')
      .on(t.createdByKeyId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    // Idempotency keys are forgotten after a day (src/modules/bookings/booking-retention.ts); this finds them.
    index('bookings_idempotency_age_idx')
      .on(t.createdAt)
      .where(sql`idempotency_key is not null`),
    // The daily limits on public-key bookings count per attendee email and per client address.
    index('bookings_attendee_email_idx').on(t.organizationId, t.environment, sql`lower(${t.attendeeEmail})`, t.createdAt),
    index('bookings_client_address_idx')
      .on(t.organizationId, t.environment, t.clientAddress, t.createdAt)
      .where(sql`client_address is not null`),
    // The expiry sweep finds lapsed holds without reading every booking.
    index('bookings_pending_expiry_idx').on(t.expiresAt).where(sql`status = 'PENDING' and expires_at is not null`),
    // Public keys read bookings back by token; each token names one booking.
    uniqueIndex('bookings_access_token_idx')
      .on(t.accessTokenHash)
      .where(sql`access_token_hash is not null`),
  ],
);

export const bookingEventTypeEnum = pgEnum('booking_event_type', [
  'CREATED',
  'UPDATED',
  'CANCELLED',
  'RESCHEDULED',
  'CONFIRMED',
  'COMPLETED',
  'NO_SHOW',
  'EXPIRED',
]);

/** A booking's history: one row per change, with the key that made it. Append-only. */
export const bookingEvents = pgTable(
  'booking_events',
  {
    id: text('id').primaryKey(),
    /** Insertion order: several changes can share one timestamp (the clock is injected), order must not be lost. */
    sequence: bigserial('sequence', { mode: 'number' }).notNull(),
    bookingId: text('booking_id')
      .notNull()
      .references(() => bookings.id),
    ...tenantColumns(),
    type: bookingEventTypeEnum('type').notNull(),
    fromStatus: bookingStatusEnum('from_status'),
    toStatus: bookingStatusEnum('to_status').notNull(),
    /** Null when no key acted: an unconfirmed hold lapsed (EXPIRED). */
    actingKeyId: text('acting_key_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('booking_events_booking_idx').on(t.bookingId, t.sequence)],
);
