import { and, arrayContains } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { webhookDeliveries, webhookEvents, webhooks } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { newId } from '../../lib/random.js';

export const WEBHOOK_EVENT_TYPES = [
  'booking.created',
  'booking.updated',
  'booking.cancelled',
  'booking.rescheduled',
  'booking.confirmed',
  'booking.completed',
  'booking.no_show',
  'booking.expired',
  'api_key.created',
  'api_key.revoked',
  'api_key.rolled',
  'api_key.expiring',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Records an event for webhook delivery in the caller's transaction, so the
 * change and its notification commit together (or not at all). One delivery
 * row per webhook of the tenant subscribed to the type; the worker sends them.
 * With no subscriber nothing is written: no one could ever receive it.
 */
export async function enqueueWebhookEvent(
  tx: Executor,
  tenant: Tenant,
  type: WebhookEventType,
  data: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const subscribers = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(inTenant(webhooks, tenant), arrayContains(webhooks.events, [type])));
  if (subscribers.length === 0) return;
  const eventId = newId('whevt');
  await tx.insert(webhookEvents).values({ id: eventId, ...tenant, type, data, createdAt: now });
  await tx.insert(webhookDeliveries).values(
    subscribers.map((webhook) => ({
      id: newId('whdel'),
      ...tenant,
      webhookId: webhook.id,
      eventId,
      status: 'PENDING' as const,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  );
}
