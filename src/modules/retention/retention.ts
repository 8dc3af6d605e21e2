import type { DatabaseHandle } from '../../db/client.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { maintainAuditPartitions, type AuditPartitionReport } from '../audit/audit-partitions.js';
import { forgetIdempotencyKeys, IDEMPOTENCY_KEY_LIFETIME_MS, pruneBookingHistory } from '../bookings/booking-retention.js';
import { pruneFinishedDeliveries, prunePausedBacklog, pruneUndeliverableEvents } from '../webhooks/webhook-retention.js';

/** Arbitrary constant naming "Tessera retention" among advisory locks (migrations use 748_615_029). */
export const RETENTION_LOCK_ID = 748_615_030;

/** Rows per delete statement: small enough that no statement holds its locks for long. */
const BATCH_SIZE = 5000;

const DAY_MS = 86_400_000;

export type RetentionOptions = {
  /** 0: no background runs; call `runOnce()` yourself. */
  intervalMs: number;
  /** Also a booking's history after the booking ended: it records who changed what, as the audit log does. */
  auditDays: number;
  webhookDays: number;
  batchSize?: number;
};

export type RetentionDeps = { now: () => Date; logger: Logger };

export type RetentionReport =
  | { ran: false }
  | {
      ran: true;
      audit: AuditPartitionReport | null;
      webhookDeliveries: number | null;
      pausedWebhookBacklog: number | null;
      webhookEvents: number | null;
      idempotencyKeys: number | null;
      bookingHistory: number | null;
    };

/**
 * Keeps stored data bounded: audit partitions made ahead and dropped past
 * AUDIT_RETENTION_DAYS, finished webhook deliveries and their events past
 * WEBHOOK_RETENTION_DAYS (and what queued that long ago for a webhook paused
 * as long), idempotency keys after a day, booking history
 * AUDIT_RETENTION_DAYS after the booking ended. One instance works
 * at a time (an advisory lock; the others skip the run). Each step stands
 * alone: one that fails is logged, and the others still run.
 */
export class RetentionJob implements BackgroundTask {
  private readonly task: PeriodicTask;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly options: RetentionOptions,
    private readonly deps: RetentionDeps,
  ) {
    this.task = new PeriodicTask({ name: 'retention run', intervalMs: options.intervalMs, runAtStart: true, run: () => this.runOnce(), logger: deps.logger });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  async runOnce(): Promise<RetentionReport> {
    const outcome = await this.database.exclusively(RETENTION_LOCK_ID, () => this.work());
    if (!outcome.acquired) {
      this.deps.logger.debug('retention run skipped: another run holds the lock');
      return { ran: false };
    }
    return outcome.value;
  }

  private async work(): Promise<RetentionReport> {
    const now = this.deps.now();
    const { db } = this.database;
    const batch = this.options.batchSize ?? BATCH_SIZE;
    const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const webhookCutoff = daysAgo(this.options.webhookDays);
    const report: RetentionReport = {
      ran: true,
      audit: await this.step('audit partitions', () => maintainAuditPartitions(this.database, now, this.options.auditDays, batch)),
      // Deliveries first: they reference events, which go once nothing points at them.
      webhookDeliveries: await this.step('webhook deliveries', () => pruneFinishedDeliveries(db, webhookCutoff, batch)),
      pausedWebhookBacklog: await this.step('paused webhooks backlog', () => prunePausedBacklog(db, webhookCutoff, batch)),
      webhookEvents: await this.step('webhook events', () => pruneUndeliverableEvents(db, webhookCutoff, batch)),
      idempotencyKeys: await this.step('idempotency keys', () =>
        forgetIdempotencyKeys(db, new Date(now.getTime() - IDEMPOTENCY_KEY_LIFETIME_MS), batch),
      ),
      bookingHistory: await this.step('booking history', () => pruneBookingHistory(db, daysAgo(this.options.auditDays), batch)),
    };
    this.deps.logger.info({ retention: report }, 'retention run finished');
    return report;
  }

  /** A step that fails is logged and reported as null; the next run tries it again. */
  private async step<T>(name: string, work: () => Promise<T>): Promise<T | null> {
    try {
      return await work();
    } catch (error) {
      this.deps.logger.error({ err: error }, `retention: ${name} failed`);
      return null;
    }
  }
}
