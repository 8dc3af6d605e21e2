import { eq } from 'drizzle-orm';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { ApiActor } from '../../auth/principal.js';
import type { RateLimitOverride } from '../../auth/key-state.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { findApiKey, type ApiKey } from './api-keys.service.js';
import { assertWithinCallerScopes, validRateLimitOverride } from '../../auth/access/key-rules.js';


/**
 * Gives a key its own request limit, or (with null) puts it back on its
 * environment's default. Every instance applies it from the next request on.
 */
export async function setApiKeyRateLimit(
  db: Executor,
  actor: ApiActor,
  id: string,
  limit: RateLimitOverride | null,
  now: Date,
): Promise<ApiKey> {
  const current = await findApiKey(db, actor.principal, id);
  // Like any edit: a key holding more than the caller is not the caller's to tune.
  assertWithinCallerScopes(actor.principal, current.scopes);
  const override = limit ? validRateLimitOverride(limit) : null;
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
