import { and, eq, exists, gt, inArray, isNull, notExists, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { assertMayChangeKeyPolicy } from '../../auth/access/key-lifecycle.js';
import {
  changedKeyPolicy,
  keyPolicyOf,
  NO_KEY_POLICY,
  rolesBelowLiveKeys,
  type KeyPolicyChange,
  type OrganizationKeyPolicy,
} from '../../auth/access/key-policy.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import { tenantOf, type ApiActor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeyExpiryNotices, apiKeys, members, organizationKeyPolicies } from '../../db/schema/index.js';
import { recordKeyChange } from '../audit/audit.service.js';

/**
 * The organization's key policy: reading it costs nothing (it travels with
 * the caller's verified key), changing it reaches every instance's key cache
 * through the key-change notices, and `enforceOnExisting` gives the keys that
 * live longer than the maximum an end date.
 */

const DAY_MS = 86_400_000;
const successors = alias(apiKeys, 'successors');

/** Keys that still work (not revoked, not expired) and were not already rolled (their successor is what counts). */
function stillInUse(db: Executor, now: Date): SQL {
  return and(
    or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now)),
    or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
    notExists(db.select({ id: successors.id }).from(successors).where(eq(successors.rolledFromKeyId, apiKeys.id))),
  )!;
}

/** Lives longer than the maximum allows: chosen that way at creation (a roll keeps it), or never expiring. */
function outlivesMaximum(maxLifetimeDays: number): SQL {
  return or(isNull(apiKeys.lifetimeDays), gt(apiKeys.lifetimeDays, maxLifetimeDays))!;
}

/**
 * Keys in use that this policy would not let anyone create or roll as they
 * are: too long a lifetime (also once given an end date, until it comes), a
 * live secret key without an allowlist, a public key where none are allowed,
 * a live key acting for a role below the one the policy names.
 */
export function violatesKeyPolicy(db: Executor, policy: OrganizationKeyPolicy, now: Date): SQL {
  const rules: SQL[] = [];
  if (policy.maxLifetimeDays !== null) rules.push(outlivesMaximum(policy.maxLifetimeDays));
  if (policy.requireAllowedIpsForLiveSecretKeys) {
    rules.push(and(eq(apiKeys.type, 'SECRET'), eq(apiKeys.environment, 'LIVE'), sql`cardinality(${apiKeys.allowedIps}) = 0`)!);
  }
  if (!policy.publicKeysAllowed) rules.push(eq(apiKeys.type, 'PUBLIC'));
  const below = rolesBelowLiveKeys(policy);
  if (below.length > 0) {
    const actsFor = db
      .select({ id: members.id })
      .from(members)
      .where(and(or(eq(members.id, apiKeys.ownerMemberId), eq(members.id, apiKeys.recipientMemberId)), inArray(members.role, below)));
    rules.push(and(eq(apiKeys.environment, 'LIVE'), exists(actsFor))!);
  }
  return rules.length === 0 ? sql`false` : and(stillInUse(db, now), or(...rules))!;
}

/** Ends the keys that outlive the maximum at `endsAt`, unless they end sooner anyway. */
async function imposeEndDates(tx: Executor, organizationId: string, maxLifetimeDays: number, endsAt: Date, now: Date): Promise<number> {
  const affected = and(
    eq(apiKeys.organizationId, organizationId),
    outlivesMaximum(maxLifetimeDays),
    or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now)),
    or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, endsAt)),
  );
  // A key already warned of a later end is warned again, of this one (api_key.expiring goes out once per notice row).
  await tx
    .delete(apiKeyExpiryNotices)
    .where(inArray(apiKeyExpiryNotices.apiKeyId, tx.select({ id: apiKeys.id }).from(apiKeys).where(affected)));
  const ended = await tx.update(apiKeys).set({ expiresAt: endsAt }).where(affected).returning({ id: apiKeys.id });
  return ended.length;
}

/**
 * Changes the policy of the caller's organization. With a maximum lifetime
 * and `enforceOnExisting`, keys that live longer end `maxLifetimeDays` after
 * this change (not after their creation: nobody's key stops without the
 * warning `api_key.expiring` sends a week before).
 */
export async function updateKeyPolicy(db: Executor, actor: ApiActor, change: KeyPolicyChange, now: Date): Promise<OrganizationKeyPolicy> {
  const { principal } = actor;
  assertMayChangeKeyPolicy(principal);
  const { organizationId } = principal;
  return db.transaction(async (tx) => {
    // Read under a row lock, not from the cached principal: two admins changing it at once each build on the other.
    const [stored] = await tx
      .select()
      .from(organizationKeyPolicies)
      .where(eq(organizationKeyPolicies.organizationId, organizationId))
      .for('update');
    const policy = changedKeyPolicy(stored ? keyPolicyOf(stored) : NO_KEY_POLICY, change, now);
    const { updatedAt: _, ...rules } = policy;
    await tx
      .insert(organizationKeyPolicies)
      .values({ organizationId, ...rules, updatedAt: now, updatedByKeyId: principal.id })
      .onConflictDoUpdate({ target: organizationKeyPolicies.organizationId, set: { ...rules, updatedAt: now, updatedByKeyId: principal.id } });
    let enforced: Record<string, unknown> = {};
    if (policy.maxLifetimeDays !== null && policy.enforceOnExisting) {
      const endsAt = new Date(now.getTime() + policy.maxLifetimeDays * DAY_MS);
      enforced = { keysGivenEndDate: await imposeEndDates(tx, organizationId, policy.maxLifetimeDays, endsAt, now), endsAt: endsAt.toISOString() };
    }
    // Every cached key of the organization carries the policy (and some may now end): all are dropped, on every instance.
    await broadcastKeyChange(tx, { organizationId });
    await recordKeyChange(
      tx,
      actor,
      {
        action: 'key_policy.updated',
        organizationId,
        environment: tenantOf(principal).environment,
        targetId: organizationId,
        details: { policy: rules, ...enforced },
      },
      now,
    );
    return policy;
  });
}
