import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns, timestamptz } from './common.js';

export type CustomFieldDefinition = {
  key: string;
  label: string;
  type: 'TEXT' | 'EMAIL' | 'PHONE' | 'NUMBER' | 'SELECT' | 'BOOLEAN';
  required: boolean;
  options: string[];
};

/** Unless an event type says otherwise, bookings may start at most this many days ahead. */
export const DEFAULT_BOOKING_WINDOW_DAYS = 90;

export const eventTypes = pgTable(
  'event_types',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    durationMinutes: integer('duration_minutes').notNull(),
    bufferBeforeMinutes: integer('buffer_before_minutes').notNull().default(0),
    bufferAfterMinutes: integer('buffer_after_minutes').notNull().default(0),
    minimumNoticeMinutes: integer('minimum_notice_minutes').notNull().default(0),
    /** How far ahead a booking may start: at most this many days (24 h each) after now. */
    bookingWindowDays: integer('booking_window_days').notNull().default(DEFAULT_BOOKING_WINDOW_DAYS),
    /** How long a PENDING booking holds its slot unconfirmed before it expires; null: until confirmed or cancelled. */
    pendingHoldMinutes: integer('pending_hold_minutes'),
    customFields: jsonb('custom_fields').$type<CustomFieldDefinition[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [
    index('event_types_tenant_idx').on(t.organizationId, t.environment, t.createdAt, t.id),
    // Slugs are unique among live (not deleted) event types of one tenant world.
    uniqueIndex('event_types_slug_idx').on(t.organizationId, t.environment, t.slug).where(sql`deleted_at is null`),
  ],
);
