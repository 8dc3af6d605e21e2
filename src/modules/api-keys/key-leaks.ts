import { and, eq, inArray, isNull } from 'drizzle-orm';
import { keyStatus } from '../../auth/key-state.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { keyChange, revokeWorkingKey, type ApiKey } from './api-keys.service.js';
import { announceKeyChange } from './key-events.js';

/** What a secret scanner said about one key: where it saw it, and who said so. */
export type KeyLeak = {
  /** The page it was found on (a file, commit, issue or gist); null when the report gave no usable URL. */
  url: string | null;
  /** The scanner's word for the kind of place (GitHub: content, commit, pull_request_description, npm, …). */
  source: string | null;
  /** Who reported it, for the audit record's `via`. */
  reporter: string;
};

/** SECRET_SCANNING_ACTION: what a reported live secret key gets. */
export type LeakAction = 'revoke' | 'flag';

/**
 * `revoked`/`flagged`: this report changed the key. `known`: nothing to do —
 * the key had already ended, or this leak was already acted on (a replayed
 * or repeated report): no second record or event.
 */
export type LeakOutcome = 'revoked' | 'flagged' | 'known';

/**
 * Only a live secret key is revoked. A test key reaches only test data, and
 * ending it would break its owner's tests for nothing; a public key is made
 * to be published (it sits in web pages, bounded by its origins and the
 * public-key scopes), so finding it in public is no reason to break the site
 * that uses it. Both are flagged, so their owners still learn of it.
 */
export function leakResponseFor(key: Pick<ApiKey, 'environment' | 'type'>, action: LeakAction): LeakAction {
  return action === 'revoke' && key.environment === 'LIVE' && key.type === 'SECRET' ? 'revoke' : 'flag';
}

/** The stored keys with these hashes, whichever organization holds them (a report names no tenant). */
export async function keysByHash(db: Executor, hashes: readonly string[]): Promise<Map<string, ApiKey>> {
  if (hashes.length === 0) return new Map();
  const found = await db.select().from(apiKeys).where(inArray(apiKeys.hash, [...new Set(hashes)]));
  return new Map(found.map((key) => [key.hash, key]));
}

/**
 * Acts on a report that `key` was found in public: revokes or flags it
 * (`leakedAt`, `leakSource`) in one transaction with its `api_key.leaked`
 * audit record and webhook event (and `api_key.revoked`, which every
 * revocation announces). The write is conditional, so a replay, or the same
 * report arriving twice at once, changes the key and records it once.
 */
export async function reportKeyLeak(db: Executor, key: ApiKey, leak: KeyLeak, action: LeakAction, now: Date): Promise<LeakOutcome> {
  if (keyStatus(key, now) !== 'ACTIVE') return 'known';
  const revoke = leakResponseFor(key, action) === 'revoke';
  // A key flagged before keeps the first sighting (a later switch to `revoke` still ends it).
  const leakColumns = { leakedAt: key.leakedAt ?? now, leakSource: key.leakedAt ? key.leakSource : leak.url };
  return db.transaction(async (tx) => {
    const changed = revoke
      ? await revokeWorkingKey(tx, key.id, now, leakColumns)
      : (await tx.update(apiKeys).set(leakColumns).where(and(eq(apiKeys.id, key.id), isNull(apiKeys.leakedAt))).returning())[0];
    if (!changed) return 'known';
    const found = { url: leak.url, source: leak.source, revoked: revoke };
    await recordKeyChange(tx, { reporter: leak.reporter }, keyChange('api_key.leaked', changed, found), now);
    await announceKeyChange(tx, 'api_key.leaked', changed, now, { leak: { ...found, reportedBy: leak.reporter } });
    if (revoke) await announceKeyChange(tx, 'api_key.revoked', changed, now, { reason: 'leaked' });
    return revoke ? 'revoked' : 'flagged';
  });
}
