import { pgEnum, text, timestamp } from 'drizzle-orm/pg-core';

export const environmentEnum = pgEnum('environment', ['LIVE', 'TEST']);

/** Every timestamp is stored with its zone so PGlite and PostgreSQL agree. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const createdAt = () => timestamptz('created_at').notNull().defaultNow();

export const tenantColumns = () => ({
  organizationId: text('organization_id').notNull(),
  environment: environmentEnum('environment').notNull(),
});
