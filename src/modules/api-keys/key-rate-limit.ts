import { eq } from 'drizzle-orm';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { Principal } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { badUserInput } from '../../graphql/errors.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { findApiKey, type ApiKey } from './api-keys.service.js';
import { assertWithinCallerScopes } from './policy.js';

export const MAX_OVERRIDE_REQUESTS = 1_000_000;
export const MAX_OVERRIDE_WINDOW_SECONDS = 86_400;

export type RateLimitOverride = { requests: number; windowSeconds: number };

function validated(limit: RateLimitOverride): RateLimitOverride {
  if (!Number.isInteger(limit.requests) || limit.requests < 1 || limit.requests > MAX_OVERRIDE_REQUESTS) {
    throw badUserInput('limit.requests', `must be a whole number from 1 to ${MAX_OVERRIDE_REQUESTS}.`);
  }
  if (!Number.isInteger(limit.windowSeconds) || limit.windowSeconds < 1 || limit.windowSeconds > MAX_OVERRIDE_WINDOW_SECONDS) {
    throw badUserInput('limit.windowSeconds', `must be a whole number of seconds from 1 to ${MAX_OVERRIDE_WINDOW_SECONDS} (a day).`);
  }
  return limit;
}

/**
 * Gives a key its own request limit, or (with null) puts it back on its
 * environment's default. Every instance applies it from the next request on.
 */
export async function setApiKeyRateLimit(
  db: Executor,
  actor: { principal: Principal; ip?: string | null; userAgent?: string | null },
  id: string,
  limit: RateLimitOverride | null,
  now: Date,
): Promise<ApiKey> {
  const current = await findApiKey(db, actor.principal, id);
  // Like any edit: a key holding more than the caller is not the caller's to tune.
  assertWithinCallerScopes(actor.principal, current.scopes);
  const override = limit ? validated(limit) : null;
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(apiKeys)
      .set({ rateLimitRequests: override?.requests ?? null, rateLimitWindowSeconds: override?.windowSeconds ?? null })
      .where(eq(apiKeys.id, current.id))
      .returning();
    await broadcastKeyChange(tx, { keyId: current.id });
    await recordKeyChange(
      tx,
      actor,
      {
        action: 'api_key.updated',
        organizationId: updated!.organizationId,
        environment: updated!.environment,
        targetId: updated!.id,
        details: { name: updated!.name, preview: updated!.preview, changed: ['rateLimit'], rateLimit: override },
      },
      now,
    );
    return updated!;
  });
}

/** The stored override of a key row, if any. */
export function overrideOf(key: ApiKey): RateLimitOverride | null {
  return key.rateLimitRequests !== null && key.rateLimitWindowSeconds !== null
    ? { requests: key.rateLimitRequests, windowSeconds: key.rateLimitWindowSeconds }
    : null;
}
