import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns } from './common.js';

/**
 * One row per authenticated request, and one per key-management change.
 *
 * Partitioned by month of `created_at` (drizzle/0003_bounded_growth.sql; drizzle-kit
 * cannot express it), so retention drops whole months instead of deleting rows:
 * audit_events_YYYY_MM per month, audit_events_default for anything outside them.
 * A partitioned table's primary key must hold the partition key, hence (id, created_at).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').notNull(),
    ...tenantColumns(),
    apiKeyId: text('api_key_id'),
    action: text('action').notNull(),
    operationName: text('operation_name'),
    rootFields: text('root_fields').array().notNull().default([]),
    outcome: text('outcome', { enum: ['ok', 'denied', 'limited', 'error'] }).notNull(),
    targetId: text('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The request's X-Request-Id, to find the record a caller quotes from an error; null for CLI changes and older records. */
    requestId: text('request_id'),
    /**
     * The scope requirements a request met, one per guarded field or type it resolved, distinct,
     * each reduced to the alternatives the key satisfied and written `a+b|c` (src/auth/access/scope-usage.ts);
     * empty when it resolved nothing guarded; null for key changes and older records.
     */
    scopeRequirements: text('scope_requirements').array(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'audit_events_pkey', columns: [t.id, t.createdAt] }),
    index('audit_events_organization_idx').on(t.organizationId, t.createdAt, t.id),
    index('audit_events_key_idx').on(t.organizationId, t.apiKeyId, t.createdAt),
    index('audit_events_action_idx').on(t.organizationId, t.action, t.createdAt),
  ],
);
