import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns, timestamptz } from './common.js';
import { eventTypes } from './event-types.js';

export type Weekday = 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY';
/** A weekly window in the member's own time zone, "HH:MM" 24-hour. */
export type WorkingHours = { weekday: Weekday; start: string; end: string };

/** People who can be booked (hosts). Not to be confused with `members`, who own API keys. */
export const teamMembers = pgTable(
  'team_members',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    timeZone: text('time_zone').notNull(),
    /** How many bookings the person can hold at the same moment. */
    capacity: integer('capacity').notNull().default(1),
    workingHours: jsonb('working_hours').$type<WorkingHours[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('team_members_tenant_idx').on(t.organizationId, t.environment, t.createdAt, t.id),
    uniqueIndex('team_members_email_idx').on(t.organizationId, t.environment, t.email),
  ],
);

export const eventTypeHosts = pgTable(
  'event_type_hosts',
  {
    eventTypeId: text('event_type_id')
      .notNull()
      .references(() => eventTypes.id),
    teamMemberId: text('team_member_id')
      .notNull()
      .references(() => teamMembers.id),
    ...tenantColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.eventTypeId, t.teamMemberId] }),
    index('event_type_hosts_member_idx').on(t.teamMemberId),
  ],
);
