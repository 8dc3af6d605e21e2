import { boolean, check, index, integer, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, environmentEnum, timestamptz } from './common.js';
import { members, organizations, serviceAccounts } from './organizations.js';

export const apiKeyTypeEnum = pgEnum('api_key_type', ['SECRET', 'PUBLIC']);

/** How often a usage-limited key's budget is refilled: at the start of each UTC day, ISO week (Monday) or month. */
export const usageRefillEnum = pgEnum('usage_refill', ['DAY', 'WEEK', 'MONTH']);

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
    /** Secret keys only: the addresses and CIDR ranges requests may come from; empty: anywhere. */
    allowedIps: text('allowed_ips').array().notNull().default([]),
    /** Public keys only: the key runs only its organization's registered (trusted) documents of its world. */
    trustedDocumentsOnly: boolean('trusted_documents_only').notNull().default(false),
    createdAt: createdAt(),
    createdByKeyId: text('created_by_key_id'),
    expiresAt: timestamptz('expires_at'),
    /** The lifetime chosen at creation, kept by every roll; null: never expires. */
    lifetimeDays: integer('lifetime_days'),
    revokedAt: timestamptz('revoked_at'),
    /**
     * When a secret scanner (GitHub) reported the key found in public, and the
     * URL it was found at. Set once: a later report of the same key changes
     * nothing (it is a replay or a known leak).
     */
    leakedAt: timestamptz('leaked_at'),
    leakSource: text('leak_source'),
    rolledFromKeyId: text('rolled_from_key_id'),
    lastUsedAt: timestamptz('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    /** Per-key request limit override; both null means the environment's default. */
    rateLimitRequests: integer('rate_limit_requests'),
    rateLimitWindowSeconds: integer('rate_limit_window_seconds'),
    /**
     * A usage limit: the key stops after this many requests (null: unlimited).
     * With a refill, each later period starts again with `usageRefillAmount`.
     */
    usageLimit: integer('usage_limit'),
    usageRefillEvery: usageRefillEnum('usage_refill_every'),
    usageRefillAmount: integer('usage_refill_amount'),
    /** The budget the key spends (counted in api_key_usage): its own id, or, after a roll, the rolled key's budget. */
    usageBudgetId: text('usage_budget_id'),
    /** When that budget began: its first period is the one holding `usageLimit` requests. */
    usageStartedAt: timestamptz('usage_started_at'),
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
    check(
      'api_keys_usage_limit',
      sql`(${t.usageLimit} is null) = (${t.usageBudgetId} is null) and (${t.usageLimit} is null) = (${t.usageStartedAt} is null)`,
    ),
    check(
      'api_keys_usage_refill',
      sql`(${t.usageRefillEvery} is null) = (${t.usageRefillAmount} is null) and (${t.usageRefillEvery} is null or ${t.usageLimit} is not null)`,
    ),
  ],
);

/**
 * What each usage budget has spent in its current period (the ledger). The
 * counters that admit requests live in Redis or memory; they write their
 * counts here every second and at shutdown, start from here when they have
 * none, and count here directly while Redis is unreachable.
 */
export const apiKeyUsage = pgTable('api_key_usage', {
  budgetId: text('budget_id').primaryKey(),
  organizationId: text('organization_id')
    .notNull()
    .references(() => organizations.id),
  /** The refill period `used` counts in; null for a budget that never refills. */
  periodStart: timestamptz('period_start'),
  used: integer('used').notNull(),
});
