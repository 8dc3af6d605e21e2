import { boolean, check, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { timestamptz } from './common.js';
import { memberRoleEnum, organizations } from './organizations.js';

/**
 * An organization's own rules for its keys, on top of what any key may hold.
 * No row: no rules beyond those (src/auth/access/key-policy.ts has the defaults).
 */
export const organizationKeyPolicies = pgTable(
  'organization_key_policies',
  {
    organizationId: text('organization_id')
      .primaryKey()
      .references(() => organizations.id),
    /** Keys created or rolled from now on live at most this long; null: no maximum. */
    maxLifetimeDays: integer('max_lifetime_days'),
    /** Existing keys that live longer were given an end date when the maximum was set. */
    enforceOnExisting: boolean('enforce_on_existing').notNull().default(false),
    requireAllowedIpsForLiveSecretKeys: boolean('require_allowed_ips_for_live_secret_keys').notNull().default(false),
    publicKeysAllowed: boolean('public_keys_allowed').notNull().default(true),
    /** The lowest role whose keys may be live; null: any role. */
    liveKeysAllowedForRole: memberRoleEnum('live_keys_allowed_for_role'),
    /** Keys older than 30 days that used under half their scopes are reported weekly (`api_key.overprivileged`). */
    reportOverprivilegedKeys: boolean('report_overprivileged_keys').notNull().default(false),
    updatedAt: timestamptz('updated_at').notNull(),
    updatedByKeyId: text('updated_by_key_id'),
  },
  (t) => [check('organization_key_policies_max_lifetime', sql`${t.maxLifetimeDays} is null or ${t.maxLifetimeDays} > 0`)],
);
