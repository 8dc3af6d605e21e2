import { and, eq, gt, isNull, lte, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database, Executor } from '../../db/client.js';
import { apiKeyExpiryNotices, apiKeys } from '../../db/schema/index.js';
import { enqueueWebhookEvent, type WebhookEventType } from '../webhooks/outbox.js';

type ApiKey = typeof apiKeys.$inferSelect;

/** Announced this long before a key expires, once. */
export const EXPIRY_NOTICE_MS = 7 * 24 * 60 * 60 * 1000;

/** The key as webhook receivers see it: never its secret or hash. */
export function apiKeyPayload(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    type: key.type,
    environment: key.environment,
    preview: key.preview,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** Queues an api_key.* event in the caller's transaction, for the key's own organization and world. */
export function announceKeyChange(
  tx: Executor,
  type: Extract<WebhookEventType, `api_key.${string}`>,
  key: ApiKey,
  now: Date,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const tenant = { organizationId: key.organizationId, environment: key.environment };
  return enqueueWebhookEvent(tx, tenant, type, { apiKey: apiKeyPayload(key), ...extra }, now);
}

const successors = alias(apiKeys, 'successors');

/**
 * Queues `api_key.expiring` for keys that expire within a week. The notice
 * row's primary key makes it once per key even with several workers
 * scanning at the same time. Keys already rolled are skipped: their owner
 * chose the end date and already holds the successor.
 */
export async function announceExpiringKeys(db: Database, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const expiring = await tx
      .select()
      .from(apiKeys)
      .where(
        and(
          isNull(apiKeys.revokedAt),
          gt(apiKeys.expiresAt, now),
          lte(apiKeys.expiresAt, new Date(now.getTime() + EXPIRY_NOTICE_MS)),
          notExists(tx.select().from(apiKeyExpiryNotices).where(eq(apiKeyExpiryNotices.apiKeyId, apiKeys.id))),
          notExists(tx.select().from(successors).where(eq(successors.rolledFromKeyId, apiKeys.id))),
        ),
      )
      .limit(500);
    if (expiring.length === 0) return 0;
    const claimed = await tx
      .insert(apiKeyExpiryNotices)
      .values(expiring.map((key) => ({ apiKeyId: key.id, expiresAt: key.expiresAt!, createdAt: now })))
      .onConflictDoNothing()
      .returning({ apiKeyId: apiKeyExpiryNotices.apiKeyId });
    const claimedIds = new Set(claimed.map((row) => row.apiKeyId));
    for (const key of expiring.filter((candidate) => claimedIds.has(candidate.id))) {
      await announceKeyChange(tx, 'api_key.expiring', key, now, { expiresAt: key.expiresAt!.toISOString() });
    }
    return claimedIds.size;
  });
}
