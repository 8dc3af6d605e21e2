import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';
import { createdAt, tenantColumns, timestamptz } from './common.js';
import { members, serviceAccounts } from './organizations.js';

/** Endpoints that receive signed event notifications. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().notNull(),
    /** The signing secret, sealed with the configured encryption key: we must read it back to sign. */
    secretSealed: text('secret_sealed').notNull(),
    /**
     * The member who held the key that subscribed the endpoint (created it, changed it or resumed it):
     * it delivers while they could subscribe it now. For a service account's key, the member who
     * received its secret; null for one issued at the CLI, and for endpoints older than this column.
     */
    subscribedByMemberId: text('subscribed_by_member_id').references(() => members.id),
    /** The service account that owned that key, if one did: it delivers while the account could subscribe it now. */
    subscribedByServiceAccountId: text('subscribed_by_service_account_id').references(() => serviceAccounts.id),
    /** Set when a subscriber above left, was deleted or lost webhooks:manage: nothing is delivered until an admin resumes it. */
    pausedAt: timestamptz('paused_at'),
    pauseReason: text('pause_reason', { enum: ['SUBSCRIBER_DEACTIVATED', 'SUBSCRIBER_ROLE_CHANGED', 'SUBSCRIBER_DELETED'] }),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhooks_tenant_idx').on(t.organizationId, t.environment, t.createdAt, t.id),
    index('webhooks_subscriber_idx').on(t.subscribedByMemberId),
    index('webhooks_service_account_subscriber_idx').on(t.subscribedByServiceAccountId),
  ],
);

/** The outbox: one row per event, written in the transaction of the change that caused it. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_events_tenant_idx').on(t.organizationId, t.environment, t.createdAt)],
);

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', ['PENDING', 'SUCCEEDED', 'FAILED']);

/** One event to one webhook, with its attempts so far. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    ...tenantColumns(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id),
    status: webhookDeliveryStatusEnum('status').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    /** When a worker may (next) try it; while an attempt runs, when that attempt's claim lapses. */
    nextAttemptAt: timestamptz('next_attempt_at'),
    lastAttemptAt: timestamptz('last_attempt_at'),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // The worker's claim query: due pending deliveries, oldest first.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt, t.id),
    // Deleting an old event checks no delivery still points at it: without this, one scan of deliveries per event.
    index('webhook_deliveries_event_idx').on(t.eventId),
  ],
);

/** Keys already announced as expiring, so `api_key.expiring` goes out once per key. */
export const apiKeyExpiryNotices = pgTable('api_key_expiry_notices', {
  apiKeyId: text('api_key_id')
    .primaryKey()
    .references(() => apiKeys.id),
  expiresAt: timestamptz('expires_at').notNull(),
  createdAt: createdAt(),
});
