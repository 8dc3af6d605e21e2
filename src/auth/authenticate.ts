import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { apiKeys, members } from '../db/schema/index.js';
import { requestError } from '../graphql/errors.js';
import { expandScopes, intersect, PUBLIC_KEY_SCOPES, ROLE_SCOPES } from '../graphql/scopes.js';
import { hashApiKey, parseApiKey } from './key-format.js';
import type { Principal } from './principal.js';

const invalid = (message: string) => requestError('INVALID_API_KEY', message);

const PUBLIC_SCOPE_SET = new Set(PUBLIC_KEY_SCOPES);

/** A key's per-key request limit override, when it has one. */
export type KeyRateLimitOverride = { requests: number; windowSeconds: number };

/** What verification learns, beyond the principal, for caching and limiting. */
export type VerifiedKey = {
  principal: Principal;
  /** When the key stops working on its own (revocation or expiry time); null: never. */
  endsAt: Date | null;
  rateLimit: KeyRateLimitOverride | null;
};

/**
 * Turns a presented key into a principal, or throws the 401 that says why not.
 * Format and checksum are checked before the database is touched.
 */
export async function authenticate(db: Executor, presented: string, now: Date): Promise<Principal> {
  return (await verifyApiKey(db, presented, now)).principal;
}

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

export async function verifyApiKey(db: Executor, presented: string, now: Date): Promise<VerifiedKey> {
  assertWellFormed(presented);
  const [row] = await db
    .select({ key: apiKeys, role: members.role, memberActive: members.active })
    .from(apiKeys)
    .innerJoin(members, eq(members.id, apiKeys.ownerMemberId))
    .where(eq(apiKeys.hash, hashApiKey(presented)))
    .limit(1);
  if (!row) throw invalid('This API key does not exist.');
  const { key } = row;
  if (key.revokedAt && key.revokedAt <= now) {
    throw invalid(`This API key was revoked at ${key.revokedAt.toISOString()}.`);
  }
  if (key.expiresAt && key.expiresAt <= now) {
    throw invalid(`This API key expired at ${key.expiresAt.toISOString()}.`);
  }
  if (!row.memberActive) throw invalid('The member who owns this API key has been deactivated.');

  let scopes = intersect(expandScopes(key.scopes), ROLE_SCOPES[row.role]);
  if (key.type === 'PUBLIC') scopes = intersect(scopes, PUBLIC_SCOPE_SET);
  const principal: Principal = {
    keyId: key.id,
    organizationId: key.organizationId,
    environment: key.environment,
    keyType: key.type,
    ownerMemberId: key.ownerMemberId,
    role: row.role,
    scopes,
    allowedOrigins: key.allowedOrigins,
  };
  const ends = [key.revokedAt, key.expiresAt].filter((at): at is Date => at !== null);
  const endsAt = ends.length ? new Date(Math.min(...ends.map((at) => at.getTime()))) : null;
  const rateLimit =
    key.rateLimitRequests !== null && key.rateLimitWindowSeconds !== null
      ? { requests: key.rateLimitRequests, windowSeconds: key.rateLimitWindowSeconds }
      : null;
  return { principal, endsAt, rateLimit };
}
