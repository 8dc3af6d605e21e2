import { and, eq, inArray, lt, ne, notExists } from 'drizzle-orm';
import { inBatches } from '../../db/batches.js';
import type { Database } from '../../db/client.js';
import { webhookDeliveries, webhookEvents } from '../../db/schema/index.js';

/**
 * Deletes deliveries that are finished (SUCCEEDED, or FAILED after every
 * attempt) and were last attempted before `finishedBefore`. A PENDING one is
 * never deleted, however old: it is still being retried. Rows a worker has
 * locked right now are skipped, left for the next run.
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
