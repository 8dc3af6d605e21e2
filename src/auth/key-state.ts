import type { apiKeys } from '../db/schema/index.js';

/** A stored key record (never the secret: only its hash and preview). */
export type ApiKeyRecord = typeof apiKeys.$inferSelect;
export type ApiKeyStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** Who a key acts for: a member of the organization or one of its service accounts. */
export type KeyOwner = { kind: 'member'; memberId: string } | { kind: 'service-account'; serviceAccountId: string };

/** The owner a stored key names (the database holds exactly one of the two). */
export function keyOwnerOf(key: Pick<ApiKeyRecord, 'ownerMemberId' | 'ownerServiceAccountId'>): KeyOwner {
  if (key.ownerServiceAccountId !== null) return { kind: 'service-account', serviceAccountId: key.ownerServiceAccountId };
  return { kind: 'member', memberId: key.ownerMemberId! };
}

/** A key's own request limit, when it has one; null: its environment's default. */
export type RateLimitOverride = { requests: number; windowSeconds: number };

/**
 * A key's state as of `now`, read the same way by verification (which refuses
 * it), the key list (which shows it) and the lifecycle rules (which allow
 * rolling only an active key).
 */
export function keyStatus(key: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyStatus {
  if (key.revokedAt && key.revokedAt <= now) return 'REVOKED';
  if (key.expiresAt && key.expiresAt <= now) return 'EXPIRED';
  return 'ACTIVE';
}

/** When the key stops working on its own (the earlier of revocation and expiry); null: never. */
export function keyEndsAt(key: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>): Date | null {
  const ends = [key.revokedAt, key.expiresAt].filter((at): at is Date => at !== null);
  return ends.length ? new Date(Math.min(...ends.map((at) => at.getTime()))) : null;
}

export function rateLimitOverrideOf(key: Pick<ApiKeyRecord, 'rateLimitRequests' | 'rateLimitWindowSeconds'>): RateLimitOverride | null {
  return key.rateLimitRequests !== null && key.rateLimitWindowSeconds !== null
    ? { requests: key.rateLimitRequests, windowSeconds: key.rateLimitWindowSeconds }
    : null;
}

export type UsageRefillPeriod = 'DAY' | 'WEEK' | 'MONTH';

/**
 * A key's usage limit: a budget of requests that, once spent, stops the key
 * (429 USAGE_EXHAUSTED) until its next refill, or for good without one.
 */
export type UsageLimit = {
  /** The budget's identity; keys made by rolling share their predecessor's. */
  budgetId: string;
  /** Requests in the budget's first period. */
  requests: number;
  /** At each UTC day, week (from Monday) or month start, the budget starts again with `amount`. */
  refill: { every: UsageRefillPeriod; amount: number } | null;
  startedAt: Date;
};

type UsageColumns = 'usageLimit' | 'usageRefillEvery' | 'usageRefillAmount' | 'usageBudgetId' | 'usageStartedAt';

export function usageLimitOf(key: Pick<ApiKeyRecord, UsageColumns>): UsageLimit | null {
  if (key.usageLimit === null || key.usageBudgetId === null || key.usageStartedAt === null) return null;
  return {
    budgetId: key.usageBudgetId,
    requests: key.usageLimit,
    refill: key.usageRefillEvery !== null && key.usageRefillAmount !== null ? { every: key.usageRefillEvery, amount: key.usageRefillAmount } : null,
    startedAt: key.usageStartedAt,
  };
}
