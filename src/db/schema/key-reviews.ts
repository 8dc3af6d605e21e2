import { pgTable, text } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';
import { timestamptz } from './common.js';

/**
 * When each key's scope use was last reviewed for `api_key.overprivileged`
 * (src/modules/api-keys/overprivileged-keys.ts), and last reported. Claiming
 * a review moves `reviewedAt` in one conditional statement, so a key is
 * reviewed at most once a week however many instances look.
 */
export const apiKeyScopeReviews = pgTable('api_key_scope_reviews', {
  apiKeyId: text('api_key_id')
    .primaryKey()
    .references(() => apiKeys.id),
  reviewedAt: timestamptz('reviewed_at').notNull(),
  /** The last review that sent the event; null: never reported. */
  reportedAt: timestamptz('reported_at'),
});
