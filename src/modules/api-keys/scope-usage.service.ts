import { and, count, eq, gte, lte, max, sql } from 'drizzle-orm';
import { summarizeScopeUsage, type RequirementTally, type ScopeUsageSummary } from '../../auth/access/scope-usage.js';
import type { ApiKeyRecord } from '../../auth/key-state.js';
import type { Executor } from '../../db/client.js';
import { auditEvents } from '../../db/schema/index.js';
import { badUserInput } from '../../lib/errors.js';

/** The window scopeUsage, the suggestion and the overprivileged report look back over, unless told otherwise. */
export const DEFAULT_USAGE_DAYS = 30;

const DAY_MS = 86_400_000;

export type ScopeUsage = ScopeUsageSummary & { days: number; since: Date };

/** A window longer than the audit retention would silently read less than it claims. */
export function validUsageDays(days: number, retentionDays: number, field = 'days'): number {
  if (!Number.isInteger(days) || days < 1 || days > retentionDays) {
    throw badUserInput(field, `must be a whole number of days from 1 to ${retentionDays} (AUDIT_RETENTION_DAYS: how long audit records are kept).`);
  }
  return days;
}

/**
 * The key's request records in the window, grouped by the set of
 * requirements they met: one statement, on the audit log's
 * (organization_id, api_key_id, created_at) index, answering one row per
 * distinct kind of request the key made (a handful for a real integration),
 * however many requests it made.
 */
export async function requirementTallies(
  db: Executor,
  key: Pick<ApiKeyRecord, 'id' | 'organizationId'>,
  window: { since: Date; until: Date },
): Promise<RequirementTally[]> {
  const rows = await db
    .select({ requirements: auditEvents.scopeRequirements, requests: count(), lastAt: max(auditEvents.createdAt) })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, key.organizationId),
        eq(auditEvents.apiKeyId, key.id),
        gte(auditEvents.createdAt, window.since),
        lte(auditEvents.createdAt, window.until),
        sql`cardinality(${auditEvents.scopeRequirements}) > 0`,
      ),
    )
    .groupBy(auditEvents.scopeRequirements);
  return rows.map((row) => ({ requirements: row.requirements ?? [], requests: Number(row.requests), lastAt: row.lastAt! }));
}

/** What the key did with its scopes over the last `days` days (validated by the caller). */
export async function keyScopeUsage(db: Executor, key: Pick<ApiKeyRecord, 'id' | 'organizationId' | 'scopes'>, days: number, now: Date): Promise<ScopeUsage> {
  const since = new Date(now.getTime() - days * DAY_MS);
  const tallies = await requirementTallies(db, key, { since, until: now });
  return { days, since, ...summarizeScopeUsage(key.scopes, tallies) };
}
