import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';

export type WebhookEventType =
  | 'booking.created'
  | 'booking.updated'
  | 'booking.cancelled'
  | 'booking.rescheduled'
  | 'booking.confirmed'
  | 'booking.completed'
  | 'booking.no_show'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'api_key.rolled'
  | 'api_key.expiring';

/**
 * Records an event for webhook delivery in the caller's transaction, so the
 * change and its notification commit together.
 * TODO(webhooks): write to the outbox table; until then events are not delivered.
 */
export async function enqueueWebhookEvent(
  _tx: Executor,
  _tenant: Tenant,
  _type: WebhookEventType,
  _data: Record<string, unknown>,
  _now: Date,
): Promise<void> {}
