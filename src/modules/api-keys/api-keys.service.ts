import { and, asc, eq, gt, isNotNull, isNull, or, type SQL } from 'drizzle-orm';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { ApiKeyRecord } from '../../auth/key-state.js';
import { tenantOf, type Actor, type ApiActor, type Principal } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys, members } from '../../db/schema/index.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { recordKeyChange, type KeyChangeAction } from '../audit/audit.service.js';
import { announceKeyChange } from './key-events.js';
import { assertMayGrant, assertMayLiftDocumentRestriction, assertMayManage, narrowsScopes } from '../../auth/access/key-lifecycle.js';
import { assertAllowedIpsWhereRequired } from '../../auth/access/key-policy.js';
import {
  validateAllowedIps,
  validateAllowedOrigins,
  validateName,
  validateScopes,
  validateTrustedDocumentsOnly,
} from '../../auth/access/key-settings.js';
import { keyScopeUsage } from './scope-usage.service.js';

export type ApiKey = ApiKeyRecord;

/** Keys a caller can see: its organization's; a test key only the test ones. */
function reachableBy(viewer: Principal): SQL {
  const inOrganization = eq(apiKeys.organizationId, viewer.organizationId);
  return tenantOf(viewer).environment === 'TEST' ? and(inOrganization, eq(apiKeys.environment, 'TEST'))! : inOrganization;
}

export type ApiKeyFilter = {
  includeRevoked: boolean;
  /**
   * Only service accounts' working keys whose current secret was shown to a
   * member who has since been deactivated: the keys that outlive a departure
   * (a member's own keys end with it) and that an admin should roll.
   */
  revealedToInactiveMembers: boolean;
  /** Narrows the list further (the keys breaking the key policy: key-policy.service.ts). */
  only?: SQL;
};

export async function listApiKeys(db: Executor, viewer: Principal, filter: ApiKeyFilter, now: Date): Promise<ApiKey[]> {
  const conditions = [reachableBy(viewer)];
  if (!filter.includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
  if (filter.only) conditions.push(filter.only);
  if (filter.revealedToInactiveMembers) {
    conditions.push(
      isNotNull(apiKeys.ownerServiceAccountId),
      or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now))!,
      or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))!,
      eq(members.active, false),
    );
    return db
      .select({ key: apiKeys })
      .from(apiKeys)
      .innerJoin(members, eq(members.id, apiKeys.recipientMemberId))
      .where(and(...conditions))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
      .then((rows) => rows.map((row) => row.key));
  }
  return db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** Another organization's key answers exactly like a missing one. */
export async function findApiKey(db: Executor, viewer: Principal, id: string): Promise<ApiKey> {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(and(reachableBy(viewer), eq(apiKeys.id, id)))
    .limit(1);
  if (!key) throw notFound('API key', id);
  return key;
}

export type ApiKeyUpdate = {
  name?: string | null;
  scopes?: readonly string[] | null;
  allowedOrigins?: readonly string[] | null;
  allowedIps?: readonly string[] | null;
  /** Replaces the scopes with the key's own `scopeUsage(days).suggestedScopes` (days validated by the caller). */
  applySuggestedScopes?: { days: number } | null;
  trustedDocumentsOnly?: boolean | null;
};

export async function updateApiKey(
  db: Executor,
  actor: ApiActor,
  id: string,
  update: ApiKeyUpdate,
  now: Date,
): Promise<ApiKey> {
  const { principal } = actor;
  const current = await findApiKey(db, principal, id);
  // Editing a key that holds more than the caller would let the caller take it over.
  assertMayManage(principal, current, 'update');
  const changes: Partial<ApiKey> = {};
  if (update.name != null) changes.name = validateName(update.name);
  const scopes = await changedScopes(db, principal, current, update, now);
  if (scopes) changes.scopes = scopes;
  if (update.allowedOrigins != null) {
    changes.allowedOrigins = validateAllowedOrigins(current.type, current.environment, update.allowedOrigins);
  }
  if (update.allowedIps != null) changes.allowedIps = validateAllowedIps(current.type, update.allowedIps);
  if (update.trustedDocumentsOnly != null) {
    changes.trustedDocumentsOnly = validateTrustedDocumentsOnly(current.type, update.trustedDocumentsOnly);
    if (current.trustedDocumentsOnly && !changes.trustedDocumentsOnly) assertMayLiftDocumentRestriction(principal, current);
  }
  if (Object.keys(changes).length === 0) throw badUserInput('input', 'nothing to update.');
  // Judged on the key as it would be after the update: a live secret key without an allowlist gains one, or is not changed.
  // Only narrowing its scopes leaves it no worse, and is never refused for it.
  const onlyNarrows = Object.keys(changes).length === 1 && changes.scopes !== undefined && narrowsScopes(current.scopes, changes.scopes);
  if (!onlyNarrows) assertAllowedIpsWhereRequired(principal.keyPolicy, { ...current, allowedIps: changes.allowedIps ?? current.allowedIps });
  const applied = update.applySuggestedScopes ? { suggestionDays: update.applySuggestedScopes.days } : {};
  return db.transaction(async (tx) => {
    const [updated] = await tx.update(apiKeys).set(changes).where(eq(apiKeys.id, current.id)).returning();
    await broadcastKeyChange(tx, { keyId: current.id });
    await recordKeyChange(tx, actor, keyChange('api_key.updated', updated!, { changed: Object.keys(changes), ...applied }), now);
    return updated!;
  });
}

/** The scopes an update gives the key: as asked (at most the caller's own), or its suggestion; undefined: unchanged. */
async function changedScopes(db: Executor, caller: Principal, current: ApiKey, update: ApiKeyUpdate, now: Date): Promise<string[] | undefined> {
  if (update.scopes != null && update.applySuggestedScopes != null) {
    throw badUserInput('applySuggestedScopes', 'give scopes or applySuggestedScopes, not both.');
  }
  if (update.applySuggestedScopes != null) {
    // Within what the key holds by construction, so it only narrows; empty when the key did nothing guarded.
    return (await keyScopeUsage(db, current, update.applySuggestedScopes.days, now)).suggestedScopes;
  }
  if (update.scopes == null) return undefined;
  const scopes = validateScopes(current.type, update.scopes);
  assertMayGrant(caller, scopes);
  return scopes;
}

/** Takes effect on the very next request, on every instance: cached verifications are dropped. */
export async function revokeApiKey(db: Executor, actor: Actor, key: ApiKey, now: Date): Promise<ApiKey> {
  if ('principal' in actor) assertMayManage(actor.principal, key, 'revoke');
  if (key.revokedAt && key.revokedAt <= now) return key;
  return db.transaction(async (tx) => {
    const revoked = await revokeWorkingKey(tx, key.id, now);
    // Revoked meanwhile by another request: nothing more to record.
    if (!revoked) return (await findKeyById(tx, key.id))!;
    await recordKeyChange(tx, actor, keyChange('api_key.revoked', revoked), now);
    await announceKeyChange(tx, 'api_key.revoked', revoked, now);
    return revoked;
  });
}

/**
 * The one way a key is ended now, in the caller's transaction: revoked (with
 * `also` set in the same write) and announced to every instance's key cache,
 * so it is refused from the very next request anywhere. A key already revoked
 * is left as it is (undefined), which makes a repeated or concurrent
 * revocation do nothing twice; one whose revocation lies ahead (a roll's grace
 * period) ends now.
 */
export async function revokeWorkingKey(tx: Executor, keyId: string, now: Date, also: Partial<ApiKey> = {}): Promise<ApiKey | undefined> {
  const [revoked] = await tx
    .update(apiKeys)
    .set({ ...also, revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now))))
    .returning();
  if (revoked) await broadcastKeyChange(tx, { keyId });
  return revoked;
}

/**
 * Ends every working key a service account owns, in the caller's transaction
 * (the account is being deleted): each is revoked, recorded and announced
 * like a revocation by hand.
 */
export async function revokeServiceAccountKeys(tx: Executor, actor: ApiActor, serviceAccountId: string, now: Date): Promise<ApiKey[]> {
  const revoked = await tx
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.ownerServiceAccountId, serviceAccountId), or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now))))
    .returning();
  for (const key of revoked) {
    await broadcastKeyChange(tx, { keyId: key.id });
    await recordKeyChange(tx, actor, keyChange('api_key.revoked', key, { reason: 'service account deleted', serviceAccountId }), now);
    await announceKeyChange(tx, 'api_key.revoked', key, now);
  }
  return revoked;
}

export function keyChange(action: KeyChangeAction, key: ApiKey, details: Record<string, unknown> = {}) {
  return {
    action,
    organizationId: key.organizationId,
    environment: key.environment,
    targetId: key.id,
    details: { name: key.name, preview: key.preview, scopes: key.scopes, ...details },
  };
}

/** For the CLI: every key of one organization, revoked included. */
export async function listOrganizationKeys(db: Executor, organizationId: string): Promise<ApiKey[]> {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, organizationId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function findKeyById(db: Executor, id: string): Promise<ApiKey | undefined> {
  const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return key;
}
