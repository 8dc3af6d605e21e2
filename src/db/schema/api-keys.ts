import { check, index, integer, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, environmentEnum, timestamptz } from './common.js';
import { members, organizations, serviceAccounts } from './organizations.js';

export const apiKeyTypeEnum = pgEnum('api_key_type', ['SECRET', 'PUBLIC']);

/**
 * API keys. The secret itself is never stored: only its SHA-256 (to find the
 * key) and a preview (to recognise it).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    environment: environmentEnum('environment').notNull(),
    /** The key acts for its owner: a member or a service account, exactly one of the two. */
    ownerMemberId: text('owner_member_id').references(() => members.id),
    ownerServiceAccountId: text('owner_service_account_id').references(() => serviceAccounts.id),
    /**
     * The member who received the current secret (whoever created or last
     * rolled it): their role and activity bind a member's key as much as the
     * owner's. Null only for a service account's key issued by an operator at
     * the CLI, which no member has seen.
     */
    recipientMemberId: text('recipient_member_id').references(() => members.id),
    name: text('name').notNull(),
    type: apiKeyTypeEnum('type').notNull(),
    hash: text('hash').notNull(),
    preview: text('preview').notNull(),
    scopes: text('scopes').array().notNull(),
    allowedOrigins: text('allowed_origins').array().notNull().default([]),
    createdAt: createdAt(),
    createdByKeyId: text('created_by_key_id'),
    expiresAt: timestamptz('expires_at'),
    /** The lifetime chosen at creation, kept by every roll; null: never expires. */
    lifetimeDays: integer('lifetime_days'),
    revokedAt: timestamptz('revoked_at'),
    rolledFromKeyId: text('rolled_from_key_id'),
    lastUsedAt: timestamptz('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    /** Per-key request limit override; both null means the environment's default. */
    rateLimitRequests: integer('rate_limit_requests'),
    rateLimitWindowSeconds: integer('rate_limit_window_seconds'),
  },
  (t) => [
    uniqueIndex('api_keys_hash_idx').on(t.hash),
    index('api_keys_organization_idx').on(t.organizationId, t.environment, t.createdAt),
    index('api_keys_recipient_idx').on(t.recipientMemberId),
    index('api_keys_owner_service_account_idx').on(t.ownerServiceAccountId),
    check('api_keys_one_owner', sql`(${t.ownerMemberId} is null) <> (${t.ownerServiceAccountId} is null)`),
    // A member's key always names who holds its secret: that member answers for it.
    check('api_keys_member_key_recipient', sql`${t.ownerMemberId} is null or ${t.recipientMemberId} is not null`),
    check(
      'api_keys_rate_limit_override',
      sql`(${t.rateLimitRequests} is null) = (${t.rateLimitWindowSeconds} is null)`,
    ),
  ],
);
