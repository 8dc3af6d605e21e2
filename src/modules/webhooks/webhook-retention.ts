import { and, eq, inArray, lt, ne, notExists } from 'drizzle-orm';
import { inBatches } from '../../db/batches.js';
import type { Database } from '../../db/client.js';
import { webhookDeliveries, webhookEvents, webhooks } from '../../db/schema/index.js';

/**
 * Deletes deliveries that are finished (SUCCEEDED, or FAILED after every
 * attempt) and were last attempted before `finishedBefore`. A PENDING one is
 * not deleted, however old: it is still being retried (but see
 * prunePausedBacklog). Rows a worker has locked right now are skipped, left
 * for the next run.
 */
export function pruneFinishedDeliveries(db: Database, finishedBefore: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const batch = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(ne(webhookDeliveries.status, 'PENDING'), lt(webhookDeliveries.updatedAt, finishedBefore)))
      .limit(limit)
      .for('update', { skipLocked: true });
    const deleted = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, batch)).returning({ id: webhookDeliveries.id });
    return deleted.length;
  });
}

/**
 * Deletes events created before `createdBefore` that no delivery points at
 * any more (run after pruneFinishedDeliveries: deliveries reference events,
 * so they go first). An event with a delivery left, pending or recent, stays.
 */
export function pruneUndeliverableEvents(db: Database, createdBefore: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const batch = db
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(
        and(
          lt(webhookEvents.createdAt, createdBefore),
          notExists(db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.eventId, webhookEvents.id))),
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
    const deleted = await db.delete(webhookEvents).where(inArray(webhookEvents.id, batch)).returning({ id: webhookEvents.id });
    return deleted.length;
  });
}

/**
 * Deletes the deliveries queued before `before` for a webhook paused since before `before`: events
 * queue while a webhook is paused, for the admin who resumes it, but a webhook nobody resumed within
 * the retention period would otherwise grow its queue without bound.
 */
export function prunePausedBacklog(db: Database, before: Date, batchSize: number): Promise<number> {
  return inBatches(batchSize, async (limit) => {
    const batch = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .where(and(eq(webhookDeliveries.status, 'PENDING'), lt(webhookDeliveries.createdAt, before), lt(webhooks.pausedAt, before)))
      .limit(limit)
      .for('update', { of: webhookDeliveries, skipLocked: true });
    const deleted = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, batch)).returning({ id: webhookDeliveries.id });
    return deleted.length;
  });
}
