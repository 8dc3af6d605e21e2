import { index, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns, timestamptz } from './common.js';
import { teamMembers } from './team.js';

export const calendarProviderEnum = pgEnum('calendar_provider', ['ICS']);
export const calendarStatusEnum = pgEnum('calendar_status', ['PENDING', 'ACTIVE', 'ERROR']);

/**
 * A team member's external calendar. The feed URL is a credential (whoever
 * has it reads the calendar): it is stored sealed and never leaves the server.
 */
export const calendarConnections = pgTable(
  'calendar_connections',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    teamMemberId: text('team_member_id')
      .notNull()
      .references(() => teamMembers.id, { onDelete: 'cascade' }),
    provider: calendarProviderEnum('provider').notNull().default('ICS'),
    /** The feed's host name, shown so people can tell connections apart. */
    host: text('host').notNull(),
    urlSealed: text('url_sealed').notNull(),
    status: calendarStatusEnum('status').notNull().default('PENDING'),
    /**
     * The last feed that parsed, reduced to what availability needs (times,
     * recurrence, transparency; no titles or attendees). Kept when a later
     * fetch fails, so a flaky feed does not suddenly free up busy time.
     */
    busySnapshot: text('busy_snapshot'),
    lastSyncedAt: timestamptz('last_synced_at'),
    lastAttemptAt: timestamptz('last_attempt_at'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('calendar_connections_tenant_idx').on(t.organizationId, t.environment, t.createdAt, t.id),
    index('calendar_connections_member_idx').on(t.teamMemberId),
    index('calendar_connections_attempt_idx').on(t.lastAttemptAt),
  ],
);
