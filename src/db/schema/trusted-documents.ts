import { foreignKey, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumns } from './common.js';
import { organizations } from './organizations.js';

/**
 * GraphQL documents an organization registered for one of its worlds (live or
 * test): what its keys restricted to trusted documents may run, and what any
 * of its keys may ask for by `documentId`. A document is identified by the
 * SHA-256 of its exact text, so registering the same text again changes nothing.
 */
export const trustedDocuments = pgTable(
  'trusted_documents',
  {
    ...tenantColumns(),
    /** Lowercase hex SHA-256 of `document` (the API's id is `sha256:` followed by it). */
    hash: text('hash').notNull(),
    document: text('document').notNull(),
    createdAt: createdAt(),
    /** The key that registered it; null when an operator did, at the CLI. */
    createdByKeyId: text('created_by_key_id'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.environment, t.hash] }),
    foreignKey({ columns: [t.organizationId], foreignColumns: [organizations.id] }),
    // Listing pages oldest first within one world.
    index('trusted_documents_tenant_idx').on(t.organizationId, t.environment, t.createdAt, t.hash),
  ],
);
