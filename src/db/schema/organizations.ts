import { boolean, index, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, timestamptz } from './common.js';

export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const memberRoleEnum = pgEnum('member_role', ['ADMIN', 'MEMBER']);

/** People of an organization. A key acts with at most its owner's permissions. */
export const members = pgTable(
  'members',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    email: text('email').notNull(),
    name: text('name'),
    role: memberRoleEnum('role').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('members_organization_email_idx').on(t.organizationId, t.email)],
);

/**
 * An organization-owned principal for automation (CI, an integration): keys
 * it owns are capped by its role and outlive the members who made them.
 * Deleting one revokes its keys and keeps the row (`deletedAt`), so old keys
 * and audit records still say whose they were.
 */
export const serviceAccounts = pgTable(
  'service_accounts',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    role: memberRoleEnum('role').notNull(),
    createdAt: createdAt(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [index('service_accounts_organization_idx').on(t.organizationId, t.createdAt)],
);
