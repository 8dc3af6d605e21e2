import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { webhookDeliveries, webhookEvents, webhooks } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { OutboundFailure, sendOutbound, type OutboundError } from '../../lib/outbound-http.js';
import type { HostResolver } from '../../lib/outbound-url.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { announceExpiringKeys } from '../api-keys/key-events.js';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, SIGNATURE_HEADER, signatureHeader } from './delivery-policy.js';

export type WebhookWorkerOptions = {
  /** 0: no background loop; call `deliverDueWebhooks()` yourself. */
  pollIntervalMs: number;
  timeoutMs: number;
  batchSize?: number;
};

export type WebhookWorkerDeps = {
  secrets: SecretBox;
  resolver: HostResolver;
  now: () => Date;
  logger: Logger;
};

/** `error` is what is stored and shown; `detail` only goes to the log. */
type Outcome = { ok: boolean; durationMs: number | null; error: OutboundError | null; detail?: string };

/**
 * Sends queued deliveries. Claiming is a short transaction that locks due rows
 * with FOR UPDATE SKIP LOCKED and pushes their next attempt past the request
 * timeout (a lease), so any number of instances share the queue without two
 * sending the same delivery; a worker that dies mid-send leaves the lease to
 * lapse and the delivery is retried (at least once, never concurrently).
 */
export class WebhookWorker implements BackgroundTask {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Database,
    private readonly options: WebhookWorkerOptions,
    private readonly deps: WebhookWorkerDeps,
  ) {
    this.task = new PeriodicTask({
      name: 'webhook worker round',
      intervalMs: options.pollIntervalMs,
      run: () => this.round(),
      logger: deps.logger,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One round of background work now; joins the round in flight rather than stacking another. */
  tick(): Promise<void> {
    return this.task.runNow();
  }

  private async round(): Promise<void> {
    await announceExpiringKeys(this.db, this.deps.now());
    await this.deliverDueWebhooks();
  }

  /** Attempts every delivery due now, batch by batch; returns how many attempts it made. */
  async deliverDueWebhooks(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await this.claimDue();
      if (claimed.length === 0) return attempted;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempted += claimed.length;
    }
  }

  private async claimDue() {
    const now = this.deps.now();
    const leaseEnd = new Date(now.getTime() + this.options.timeoutMs + 60_000);
    const ids = await this.db.transaction(async (tx) => {
      const due = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'PENDING'), lte(webhookDeliveries.nextAttemptAt, now)))
        .orderBy(asc(webhookDeliveries.nextAttemptAt))
        .limit(this.options.batchSize ?? 20)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const claimedIds = due.map((row) => row.id);
      await tx
        .update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: leaseEnd, lastAttemptAt: now, updatedAt: now })
        .where(inArray(webhookDeliveries.id, claimedIds));
      return claimedIds;
    });
    if (ids.length === 0) return [];
    return this.db
      .select({
        id: webhookDeliveries.id,
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
  }

  private async attempt(delivery: Awaited<ReturnType<WebhookWorker['claimDue']>>[number]): Promise<void> {
    const body = JSON.stringify({
      id: delivery.eventId,
      type: delivery.type,
      createdAt: delivery.createdAt.toISOString(),
      data: delivery.data,
    });
    let outcome: Outcome;
    try {
      const secret = this.deps.secrets.open(delivery.secretSealed);
      const response = await sendOutbound({
        url: delivery.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tessera-Webhooks/1.0',
          [SIGNATURE_HEADER]: signatureHeader(secret, body, this.deps.now()),
          'Tessera-Event-Id': delivery.eventId,
          'Tessera-Delivery-Id': delivery.id,
        },
        body,
        environment: delivery.environment,
        timeoutMs: this.options.timeoutMs,
        maxResponseBytes: 0,
        resolver: this.deps.resolver,
      });
      const ok = response.status >= 200 && response.status < 300;
      outcome = ok
        ? { ok, durationMs: response.durationMs, error: null }
        : { ok, durationMs: response.durationMs, error: 'http_error', detail: `HTTP ${response.status}` };
    } catch (error) {
      if (error instanceof OutboundFailure) {
        outcome = { ok: false, durationMs: error.durationMs, error: error.category, detail: error.message };
      } else {
        this.deps.logger.error({ err: error, deliveryId: delivery.id }, 'could not prepare webhook delivery');
        outcome = { ok: false, durationMs: null, error: 'internal_error' };
      }
    }
    await this.record(delivery, outcome);
  }

  private async record(delivery: { id: string; attempts: number; webhookId: string; url: string }, outcome: Outcome): Promise<void> {
    const now = this.deps.now();
    const exhausted = !outcome.ok && delivery.attempts >= MAX_DELIVERY_ATTEMPTS;
    await this.db
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
      .where(eq(webhookDeliveries.id, delivery.id));
    const attempt = { deliveryId: delivery.id, webhookId: delivery.webhookId, attempts: delivery.attempts };
    if (outcome.ok) this.deps.logger.debug(attempt, 'webhook delivery attempted');
    // The host, not the URL: a receiver's query string may carry a token of its own.
    else this.deps.logger.info({ ...attempt, host: new URL(delivery.url).host, error: outcome.error, detail: outcome.detail }, 'webhook delivery failed');
  }
}
