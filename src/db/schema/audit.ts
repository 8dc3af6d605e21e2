import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns } from './common.js';

/** One row per authenticated request, and one per key-management change. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
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
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_events_organization_idx').on(t.organizationId, t.createdAt, t.id),
    index('audit_events_key_idx').on(t.organizationId, t.apiKeyId, t.createdAt),
    index('audit_events_action_idx').on(t.organizationId, t.action, t.createdAt),
  ],
);
