import { and, count, eq, gte, lte, max, sql } from 'drizzle-orm';
import { inTextList } from '../../db/in-list.js';
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
  return (await requirementTalliesByKey(db, key.organizationId, [key.id], window)).get(key.id) ?? [];
}

/** The same for several keys of one organization in one statement (a page of keys asking for their scopeUsage). */
export async function requirementTalliesByKey(
  db: Executor,
  organizationId: string,
  keyIds: readonly string[],
  window: { since: Date; until: Date },
): Promise<Map<string, RequirementTally[]>> {
  const rows = await db
    .select({ keyId: auditEvents.apiKeyId, requirements: auditEvents.scopeRequirements, requests: count(), lastAt: max(auditEvents.createdAt) })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, organizationId),
        inTextList(auditEvents.apiKeyId, keyIds),
        gte(auditEvents.createdAt, window.since),
        lte(auditEvents.createdAt, window.until),
        sql`cardinality(${auditEvents.scopeRequirements}) > 0`,
      ),
    )
    .groupBy(auditEvents.apiKeyId, auditEvents.scopeRequirements);
  const byKey = new Map<string, RequirementTally[]>();
  for (const row of rows) {
    const tallies = byKey.get(row.keyId!) ?? [];
    tallies.push({ requirements: row.requirements ?? [], requests: Number(row.requests), lastAt: row.lastAt! });
    byKey.set(row.keyId!, tallies);
  }
  return byKey;
}

/** What the key did with its scopes over the last `days` days (validated by the caller). */
export async function keyScopeUsage(db: Executor, key: Pick<ApiKeyRecord, 'id' | 'organizationId' | 'scopes'>, days: number, now: Date): Promise<ScopeUsage> {
  return (await keysScopeUsage(db, [key], days, now))[0]!;
}

/** The same for several keys of one organization, in one statement; in the order given. */
export async function keysScopeUsage(
  db: Executor,
  keys: ReadonlyArray<Pick<ApiKeyRecord, 'id' | 'organizationId' | 'scopes'>>,
  days: number,
  now: Date,
): Promise<ScopeUsage[]> {
  const since = new Date(now.getTime() - days * DAY_MS);
  const organizations = [...new Set(keys.map((key) => key.organizationId))];
  const tallies = new Map<string, RequirementTally[]>();
  for (const organizationId of organizations) {
    const ids = keys.filter((key) => key.organizationId === organizationId).map((key) => key.id);
    for (const [id, rows] of await requirementTalliesByKey(db, organizationId, ids, { since, until: now })) tallies.set(id, rows);
  }
  return keys.map((key) => ({ days, since, ...summarizeScopeUsage(key.scopes, tallies.get(key.id) ?? []) }));
}
