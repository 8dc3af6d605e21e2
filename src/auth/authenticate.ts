import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { apiKeys, members } from '../db/schema/index.js';
import { appError } from '../lib/errors.js';
import { effectiveKeyScopes } from './access/scopes.js';
import { hashApiKey, parseApiKey } from './key-format.js';
import { keyEndsAt, keyStatus, rateLimitOverrideOf, type RateLimitOverride } from './key-state.js';
import type { ApiKeyPrincipal } from './principal.js';

const invalid = (message: string) => appError('INVALID_API_KEY', message);

/** What verification learns, beyond the principal, for caching and limiting. */
export type VerifiedKey = {
  principal: ApiKeyPrincipal;
  /** When the key stops working on its own (revocation or expiry time); null: never. */
  endsAt: Date | null;
  rateLimit: RateLimitOverride | null;
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
    .select({ key: apiKeys, role: members.role, memberActive: members.active })
    .from(apiKeys)
    .innerJoin(members, eq(members.id, apiKeys.ownerMemberId))
    .where(eq(apiKeys.hash, hashApiKey(presented)))
    .limit(1);
  if (!row) throw invalid('This API key does not exist.');
  const { key } = row;
  const status = keyStatus(key, now);
  if (status === 'REVOKED') throw invalid(`This API key was revoked at ${key.revokedAt!.toISOString()}.`);
  if (status === 'EXPIRED') throw invalid(`This API key expired at ${key.expiresAt!.toISOString()}.`);
  if (!row.memberActive) throw invalid('The member who owns this API key has been deactivated.');

  const principal: ApiKeyPrincipal = {
    kind: 'api-key',
    id: key.id,
    organizationId: key.organizationId,
    role: row.role,
    scopes: effectiveKeyScopes(key.scopes, row.role, key.type),
    key: { type: key.type, environment: key.environment, ownerMemberId: key.ownerMemberId, allowedOrigins: key.allowedOrigins },
  };
  return { principal, endsAt: keyEndsAt(key), rateLimit: rateLimitOverrideOf(key) };
}
