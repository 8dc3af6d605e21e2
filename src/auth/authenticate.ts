import { eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.js';
import { apiKeys, members, organizationKeyPolicies, serviceAccounts } from '../db/schema/index.js';
import { addressAllowlist } from '../lib/address-ranges.js';
import { AppError, appError } from '../lib/errors.js';
import { keyPolicyOf, NO_KEY_POLICY } from './access/key-policy.js';
import { effectiveKeyScopes, lowerRole, type MemberRole } from './access/scopes.js';
import { hashApiKey, parseApiKey, type ApiKeyEnvironment } from './key-format.js';
import { keyEndsAt, keyOwnerOf, keyStatus, rateLimitOverrideOf, usageLimitOf, type RateLimitOverride, type UsageLimit } from './key-state.js';
import type { ApiKeyPrincipal } from './principal.js';

const invalid = (message: string) => appError('INVALID_API_KEY', message);

export type RefusalReason = 'unknown' | 'revoked' | 'expired' | 'owner-inactive' | 'recipient-inactive' | 'owner-deleted';

/**
 * A well-formed key refused after its lookup. The caller sees only the 401;
 * the pipeline also learns which key it was (when it exists) so the refusal
 * can be recorded for the key's owner: a revoked key still being tried is a
 * leak in progress.
 */
export class KeyRefused extends AppError {
  constructor(
    message: string,
    readonly reason: RefusalReason,
    readonly key: { id: string; organizationId: string; environment: ApiKeyEnvironment } | null,
  ) {
    super('INVALID_API_KEY', message);
  }
}

const recipients = alias(members, 'recipients');

/** What verification learns, beyond the principal, for caching and limiting. */
export type VerifiedKey = {
  principal: ApiKeyPrincipal;
  /** When the key stops working on its own (revocation or expiry time); null: never. */
  endsAt: Date | null;
  rateLimit: RateLimitOverride | null;
  usageLimit: UsageLimit | null;
};

/** Refuses malformed keys and bad checksums offline, with the 401 that says which. */
export function assertWellFormed(presented: string): void {
  const parsed = parseApiKey(presented);
  if (!parsed.ok) {
    throw invalid(
      parsed.reason === 'checksum'
        ? 'This API key fails its checksum; it was probably mistyped or truncated.'
        : 'This is not a Tessera API key; keys look like sk_live_… or pk_test_… followed by 38 letters and digits.',
    );
  }
}

/**
 * Turns a presented key into a principal, or throws the 401 that says why not.
 * Format and checksum are checked before the database is touched; the lookup
 * is one indexed read by hash.
 */
export async function verifyApiKey(db: Executor, presented: string, now: Date): Promise<VerifiedKey> {
  assertWellFormed(presented);
  const [row] = await db
    .select({
      key: apiKeys,
      owner: { role: members.role, active: members.active },
      serviceAccount: { role: serviceAccounts.role, deletedAt: serviceAccounts.deletedAt },
      recipient: { role: recipients.role, active: recipients.active },
      policy: organizationKeyPolicies,
    })
    .from(apiKeys)
    .leftJoin(members, eq(members.id, apiKeys.ownerMemberId))
    .leftJoin(serviceAccounts, eq(serviceAccounts.id, apiKeys.ownerServiceAccountId))
    .leftJoin(recipients, eq(recipients.id, apiKeys.recipientMemberId))
    // The organization's key policy rides along: the key rules read it from the principal, never per request.
    .leftJoin(organizationKeyPolicies, eq(organizationKeyPolicies.organizationId, apiKeys.organizationId))
    .where(eq(apiKeys.hash, hashApiKey(presented)))
    .limit(1);
  if (!row) throw new KeyRefused('This API key does not exist.', 'unknown', null);
  const { key } = row;
  const refuse = (message: string, reason: RefusalReason) =>
    new KeyRefused(message, reason, { id: key.id, organizationId: key.organizationId, environment: key.environment });
  const status = keyStatus(key, now);
  if (status === 'REVOKED') throw refuse(revokedMessage(key), 'revoked');
  if (status === 'EXPIRED') throw refuse(`This API key expired at ${key.expiresAt!.toISOString()}.`, 'expired');
  const role = ownerRole(row, refuse);

  const principal: ApiKeyPrincipal = {
    kind: 'api-key',
    id: key.id,
    organizationId: key.organizationId,
    role,
    scopes: effectiveKeyScopes(key.scopes, role, key.type),
    keyPolicy: row.policy ? keyPolicyOf(row.policy) : NO_KEY_POLICY,
    key: {
      type: key.type,
      environment: key.environment,
      owner: keyOwnerOf(key),
      recipientMemberId: key.recipientMemberId,
      allowedOrigins: key.allowedOrigins,
      // Compiled once per verification, so the check on each request parses nothing.
      allowedIps: key.allowedIps.length > 0 ? addressAllowlist(key.allowedIps) : null,
      usageLimited: key.usageLimit !== null,
      trustedDocumentsOnly: key.trustedDocumentsOnly,
      endsAt: keyEndsAt(key),
    },
  };
  return { principal, endsAt: principal.key.endsAt, rateLimit: rateLimitOverrideOf(key), usageLimit: usageLimitOf(key) };
}

/**
 * A key a secret scanner found says so, so whoever still uses it knows to
 * replace it everywhere; where it was found is for its owner (ApiKey.leakSource), not
 * for whoever presents it.
 */
function revokedMessage(key: { revokedAt: Date | null; leakedAt: Date | null }): string {
  if (key.leakedAt) return 'This API key was revoked after it was found in public (a leaked secret); ask its owner for a new key.';
  return `This API key was revoked at ${key.revokedAt!.toISOString()}.`;
}

type OwnerRow = {
  owner: { role: MemberRole; active: boolean } | null;
  serviceAccount: { role: MemberRole; deletedAt: Date | null } | null;
  recipient: { role: MemberRole; active: boolean } | null;
};

/**
 * The role that caps the key, or the refusal. A service account's key answers
 * to the service account alone: it outlives the member who received its
 * secret (admins find such keys with `apiKeys(revealedToInactiveMembers: true)`
 * and roll them). A member's key answers to its owner and its recipient.
 */
function ownerRole(row: OwnerRow, refuse: (message: string, reason: RefusalReason) => KeyRefused): MemberRole {
  if (row.serviceAccount) {
    // Deleting a service account revokes its keys; this holds should one have been missed.
    if (row.serviceAccount.deletedAt) throw refuse('The service account that owns this API key has been deleted.', 'owner-deleted');
    return row.serviceAccount.role;
  }
  if (!row.owner?.active) throw refuse('The member who owns this API key has been deactivated.', 'owner-inactive');
  // Whoever received this secret answers for it: their departure ends it, whoever owns the record.
  if (!row.recipient?.active) throw refuse('The member this API key was issued to has been deactivated.', 'recipient-inactive');
  return lowerRole(row.owner.role, row.recipient.role);
}
