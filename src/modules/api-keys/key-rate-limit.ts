import { eq } from 'drizzle-orm';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { Actor, ApiActor } from '../../auth/principal.js';
import type { RateLimitOverride } from '../../auth/key-state.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { findApiKey, type ApiKey } from './api-keys.service.js';
import { assertMayRelimit, validRateLimitOverride } from '../../auth/access/key-lifecycle.js';

/**
 * Gives a key its own request limit, or (with null) puts it back on its
 * environment's default. Over the API a limit can only be lowered or reset
 * (see assertMayRelimit); every instance applies it from the next request on.
 */
export async function setApiKeyRateLimit(
  db: Executor,
  actor: ApiActor,
  id: string,
  limit: RateLimitOverride | null,
  now: Date,
  environmentDefault: (environment: ApiKey['environment']) => RateLimitOverride,
): Promise<ApiKey> {
  const current = await findApiKey(db, actor.principal, id);
  const override = limit ? validRateLimitOverride(limit) : null;
  assertMayRelimit(actor.principal, current, override, environmentDefault(current.environment));
  return writeRateLimit(db, actor, current, override, now);
}

/** The operator's path (CLI): any valid limit, raising included. */
export async function setOperatorRateLimit(db: Executor, via: string, key: ApiKey, limit: RateLimitOverride | null, now: Date): Promise<ApiKey> {
  return writeRateLimit(db, { cli: via }, key, limit ? validRateLimitOverride(limit) : null, now);
}

async function writeRateLimit(db: Executor, actor: Actor, current: ApiKey, override: RateLimitOverride | null, now: Date): Promise<ApiKey> {
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
