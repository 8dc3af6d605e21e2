import type { Database } from '../../db/client.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { OutboundFailure, sendOutbound } from '../../lib/outbound-http.js';
import type { HostResolver } from '../../lib/outbound-url.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { announceExpiringKeys } from '../api-keys/key-events.js';
import { CLAIM_MARGIN_MS, claimDueDeliveries, recordAttempt, type AttemptOutcome, type ClaimedDelivery } from './delivery-claims.js';
import { SIGNATURE_HEADER, signatureHeader } from './delivery-policy.js';

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

/**
 * Sends queued deliveries, any number of instances sharing the queue (see
 * claimDueDeliveries). Delivery is at least once: a worker that dies after
 * sending but before recording leaves its claim to lapse, and the delivery is
 * sent again, with the same event id, a few seconds past the HTTP timeout.
 * Receivers de-duplicate by `Tessera-Event-Id`.
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
      run: (stopping) => this.round(stopping),
      logger: deps.logger,
    });
  }

  start(): void {
    this.task.start();
  }

  /**
   * Claims nothing more and resolves once the deliveries in hand are sent and
   * recorded; the rest of the queue stays for the next instance to start.
   */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One round of background work now; joins the round in flight rather than stacking another. */
  tick(): Promise<void> {
    return this.task.runNow();
  }

  private async round(stopping: AbortSignal): Promise<void> {
    await announceExpiringKeys(this.db, this.deps.now());
    await this.deliverDueWebhooks(stopping);
  }

  /**
   * Attempts every delivery due now, batch by batch, until none is due or
   * `stopping` is aborted; returns how many attempts it made.
   */
  async deliverDueWebhooks(stopping?: AbortSignal): Promise<number> {
    let attempted = 0;
    while (!stopping?.aborted) {
      const claimed = await claimDueDeliveries(this.db, {
        now: this.deps.now(),
        timeoutMs: this.options.timeoutMs,
        limit: this.options.batchSize ?? 20,
      });
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempted += claimed.length;
    }
    return attempted;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    // The request ends before the claim's margin begins, whatever delayed its start, so recording fits in the claim.
    const sendWithinMs = Math.min(this.options.timeoutMs, delivery.claimedUntil.getTime() - CLAIM_MARGIN_MS - this.deps.now().getTime());
    if (sendWithinMs <= 0) {
      this.deps.logger.warn({ deliveryId: delivery.id, attempts: delivery.attempts }, 'webhook claim ran out before sending; left for the next claim');
      return;
    }
    const outcome = await this.send(delivery, sendWithinMs);
    const recorded = await recordAttempt(this.db, delivery, outcome, this.deps.now());
    const attempt = { deliveryId: delivery.id, webhookId: delivery.webhookId, attempts: delivery.attempts };
    if (!recorded) this.deps.logger.warn(attempt, 'webhook attempt not recorded: its claim was retaken (or the webhook deleted) meanwhile');
    else if (outcome.ok) this.deps.logger.debug(attempt, 'webhook delivery attempted');
    // The host, not the URL: a receiver's query string may carry a token of its own.
    else this.deps.logger.info({ ...attempt, host: new URL(delivery.url).host, error: outcome.error, detail: outcome.detail }, 'webhook delivery failed');
  }

  private async send(delivery: ClaimedDelivery, timeoutMs: number): Promise<AttemptOutcome> {
    // The event's id is in the signed body too: the header only saves receivers parsing before de-duplicating.
    const body = JSON.stringify({
      id: delivery.eventId,
      type: delivery.type,
      createdAt: delivery.createdAt.toISOString(),
      data: delivery.data,
    });
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
          'Tessera-Delivery-Attempt': String(delivery.attempts),
        },
        body,
        environment: delivery.environment,
        timeoutMs,
        maxResponseBytes: 0,
        resolver: this.deps.resolver,
      });
      const ok = response.status >= 200 && response.status < 300;
      return ok
        ? { ok, durationMs: response.durationMs, error: null }
        : { ok, durationMs: response.durationMs, error: 'http_error', detail: `HTTP ${response.status}` };
    } catch (error) {
      if (error instanceof OutboundFailure) return { ok: false, durationMs: error.durationMs, error: error.category, detail: error.message };
      this.deps.logger.error({ err: error, deliveryId: delivery.id }, 'could not prepare webhook delivery');
      return { ok: false, durationMs: null, error: 'internal_error' };
    }
  }
}
