import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { webhookDeliveries, webhookEvents, webhooks } from '../../db/schema/index.js';
import type { OutboundError } from '../../lib/outbound-http.js';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from './delivery-policy.js';

/**
 * How long a claim outlasts the HTTP timeout: the time to record the result
 * once the request has ended. Short, so that a delivery whose worker died is
 * retaken seconds later; a worker that is alive always ends its request by
 * `claimedUntil - CLAIM_MARGIN_MS` (see WebhookWorker), so its claim is never
 * retaken while it still works on it.
 */
export const CLAIM_MARGIN_MS = 5_000;

export type ClaimedDelivery = Awaited<ReturnType<typeof claimDueDeliveries>>[number];

/** `error` is what is stored and shown; `detail` only goes to the log. */
export type AttemptOutcome = { ok: boolean; durationMs: number | null; error: OutboundError | null; detail?: string };

/**
 * Claims up to `limit` due deliveries for one attempt each, in a short
 * transaction that locks them with FOR UPDATE SKIP LOCKED (so workers sharing
 * the queue never take the same row), counts the attempt and moves
 * `nextAttemptAt` to the end of the claim. Nothing else marks a claim: a
 * worker that dies leaves the row due again at `claimedUntil`, when any
 * worker, or this one restarted, takes it as the next attempt.
 */
export async function claimDueDeliveries(db: Database, claim: { now: Date; timeoutMs: number; limit: number }) {
  const { now } = claim;
  const claimedUntil = new Date(now.getTime() + claim.timeoutMs + CLAIM_MARGIN_MS);
  const ids = await db.transaction(async (tx) => {
    // A paused endpoint's deliveries wait for an admin to resume it (webhook-subscribers.ts).
    const due = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .where(and(eq(webhookDeliveries.status, 'PENDING'), lte(webhookDeliveries.nextAttemptAt, now), isNull(webhooks.pausedAt)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(claim.limit)
      .for('update', { of: webhookDeliveries, skipLocked: true });
    if (due.length === 0) return [];
    const claimedIds = due.map((row) => row.id);
    await tx
      .update(webhookDeliveries)
      .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: claimedUntil, lastAttemptAt: now, updatedAt: now })
      .where(inArray(webhookDeliveries.id, claimedIds));
    return claimedIds;
  });
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: webhookDeliveries.id,
      /** This attempt's number, counting the one being claimed (1 for the first). */
      attempts: webhookDeliveries.attempts,
      webhookId: webhooks.id,
      url: webhooks.url,
      environment: webhooks.environment,
      secretSealed: webhooks.secretSealed,
      eventId: webhookEvents.id,
      type: webhookEvents.type,
      data: webhookEvents.data,
      createdAt: webhookEvents.createdAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(inArray(webhookDeliveries.id, ids));
  return rows.map((row) => ({ ...row, claimedUntil }));
}

/**
 * Records an attempt's outcome: done, failed for good, or due again after the
 * backoff. Only while the claim is still this attempt's (the attempt count is
 * the fence): when the worker overran its claim and another took the delivery
 * as the next attempt, that attempt's result is the one that stands, and this
 * answers false.
 */
export async function recordAttempt(
  db: Database,
  delivery: Pick<ClaimedDelivery, 'id' | 'attempts'>,
  outcome: AttemptOutcome,
  now: Date,
): Promise<boolean> {
  const exhausted = !outcome.ok && delivery.attempts >= MAX_DELIVERY_ATTEMPTS;
  const recorded = await db
    .update(webhookDeliveries)
    .set({
      status: outcome.ok ? 'SUCCEEDED' : exhausted ? 'FAILED' : 'PENDING',
      nextAttemptAt: outcome.ok || exhausted ? null : new Date(now.getTime() + retryDelayMs(delivery.attempts)),
      // Not kept: the exact status fingerprints the service behind the URL (see OUTBOUND_ERRORS).
      responseStatus: null,
      durationMs: outcome.durationMs,
      lastError: outcome.error,
      updatedAt: now,
    })
    .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.attempts, delivery.attempts)))
    .returning({ id: webhookDeliveries.id });
  return recorded.length > 0;
}
