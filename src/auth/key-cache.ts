import type { Executor } from '../db/client.js';
import { assertWellFormed, verifyApiKey, type VerifiedKey } from './authenticate.js';
import type { KeyChange } from './key-changes.js';
import type { ApiKeyPrincipal } from './principal.js';
import { API_KEY_LENGTH, hashApiKey } from './key-format.js';

type Entry = { verified: VerifiedKey; cachedUntil: number };


/**
 * Key verification without a database round trip per request. An entry lives
 * until the first of: the key's own revocation or expiry time (checked against
 * the injected clock on every hit, so a cached key never outlives its end), a
 * change notice for the key, its owner or its organization's key policy
 * (see key-changes.ts), or `ttlMs` as a
 * safety net should a notice ever be lost. Failures are not cached: unknown
 * keys are slowed down per client address instead (auth-failures.ts).
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Lookups in flight by hash, so a burst on a cold key makes one query. */
  private readonly pending = new Map<string, Promise<VerifiedKey>>();
  /** Bumped by every invalidation: a lookup that overlapped one is not cached. */
  private generation = 0;
  /** Database lookups made; the benchmark reports them per request. */
  lookups = 0;
  /** Verifications answered from the cache, and those that were not (metrics: the hit rate). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Executor,
    private ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Every request goes to the database from now on. */
  disable(): void {
    this.ttlMs = 0;
    this.clear();
  }

  async verify(presented: string, now: Date): Promise<VerifiedKey> {
    const cached = this.cached(presented, now);
    if (cached) return cached;
    assertWellFormed(presented);
    this.misses++;
    return this.lookUp(hashApiKey(presented), presented, now);
  }

  /**
   * The verification if it is cached and still valid; never touches the
   * database. No format check first: only keys that verified are cached, so
   * a string that hashes to an entry is one of them. Only strings of a key's
   * length are hashed, so a long header costs nothing here.
   */
  cached(presented: string, now: Date): VerifiedKey | undefined {
    const cached = presented.length === API_KEY_LENGTH ? this.fresh(hashApiKey(presented), now) : undefined;
    if (cached) this.hits++;
    return cached;
  }

  private fresh(hash: string, now: Date): VerifiedKey | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    const endsAt = entry.verified.endsAt?.getTime() ?? Infinity;
    if (now.getTime() < Math.min(endsAt, entry.cachedUntil)) return entry.verified;
    // Past its end: the database answers with the exact reason (revoked, expired).
    this.entries.delete(hash);
    return undefined;
  }

  private lookUp(hash: string, presented: string, now: Date): Promise<VerifiedKey> {
    const inFlight = this.pending.get(hash);
    if (inFlight) return inFlight;
    const generation = this.generation;
    this.lookups++;
    const lookup = verifyApiKey(this.db, presented, now)
      .then((verified) => {
        if (this.ttlMs > 0 && generation === this.generation) this.store(hash, verified, now);
        return verified;
      })
      .finally(() => {
        if (this.pending.get(hash) === lookup) this.pending.delete(hash);
      });
    this.pending.set(hash, lookup);
    return lookup;
  }

  private store(hash: string, verified: VerifiedKey, now: Date): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { verified, cachedUntil: now.getTime() + this.ttlMs });
  }

  invalidate(change: KeyChange): void {
    this.generation++;
    this.pending.clear();
    for (const [hash, { verified }] of this.entries) {
      if (affects(verified.principal, change)) this.entries.delete(hash);
    }
  }

  /** After missed notices (a lost LISTEN connection): forget everything. */
  clear(): void {
    this.generation++;
    this.pending.clear();
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A change to the key itself, or to a member or service account behind it. */
function affects(principal: ApiKeyPrincipal, change: KeyChange): boolean {
  const { owner, recipientMemberId } = principal.key;
  if ('keyId' in change) return principal.id === change.keyId;
  if ('memberId' in change) {
    return (owner.kind === 'member' && owner.memberId === change.memberId) || recipientMemberId === change.memberId;
  }
  // The organization's key policy travels with every one of its keys.
  if ('organizationId' in change) return principal.organizationId === change.organizationId;
  return owner.kind === 'service-account' && owner.serviceAccountId === change.serviceAccountId;
}
