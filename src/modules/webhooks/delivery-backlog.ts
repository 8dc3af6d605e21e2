import { and, count, eq, isNull, lte, min, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webhookDeliveries, webhooks } from '../../db/schema/index.js';

/** Past this many pending deliveries the count stops: the figure is an alarm, not an inventory. */
export const BACKLOG_COUNT_CAP = 100_000;

/** How far behind delivery is: what waits (paused webhooks' queues included), and since when the oldest due one has (theirs not). */
export type DeliveryBacklog = { pending: number; oldestDueAt: Date | null };

/**
 * The webhook queue as the metrics endpoint reports it, on every scrape. Both
 * reads stay on the partial index of pending deliveries (the worker's own),
 * and the count is capped, so a scrape costs the same whatever the backlog.
 */
export async function deliveryBacklog(db: Executor, now: Date): Promise<DeliveryBacklog> {
  const pendingRows = db
    .select({ one: sql`1` })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, 'PENDING'))
    .limit(BACKLOG_COUNT_CAP)
    .as('pending_rows');
  const [[pending], [due]] = await Promise.all([
    db.select({ count: count() }).from(pendingRows),
    // A paused webhook's queue waits for an admin, not for the worker: it would sound the lag alarm for nothing.
    db
      .select({ oldest: min(webhookDeliveries.nextAttemptAt) })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .where(and(eq(webhookDeliveries.status, 'PENDING'), lte(webhookDeliveries.nextAttemptAt, now), isNull(webhooks.pausedAt))),
  ]);
  return { pending: pending?.count ?? 0, oldestDueAt: due?.oldest ?? null };
}
