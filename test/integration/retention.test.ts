/**
 * The retention job's deletions outside the audit log (audit-partitions.test.ts):
 * webhook deliveries and events, idempotency keys, booking history; and that
 * only one instance runs it at a time.
 */
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { bookingEvents, bookings, webhookDeliveries, webhookEvents, webhooks } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { newId } from '../../src/lib/random.js';
import { RETENTION_LOCK_ID, RetentionJob } from '../../src/modules/retention/retention.js';
import { seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { anotherInstanceOf } from '../helpers/test-database.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describeIntegration('retention', { env: { WEBHOOK_POLL_INTERVAL_MS: '0' } }, (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  let hostId: string;
  const ago = (ms: number) => new Date(harness.clock.getTime() - ms);

  beforeAll(async () => {
    org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org));
    hostId = host.id;
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
  });

  async function run() {
    const report = await harness.app.retention.runOnce();
    if (!report.ran) throw new Error('the retention run was skipped');
    return report;
  }

  async function booking(values: { createdAt?: Date; endAt?: Date; idempotencyKey?: string }) {
    const endAt = values.endAt ?? new Date(harness.clock.getTime() + DAY);
    const [made] = await harness.db
      .insert(bookings)
      .values({
        id: newId('bkg'),
        ...tenantOf(org),
        eventTypeId,
        hostId,
        status: 'CONFIRMED',
        startAt: new Date(endAt.getTime() - HOUR / 2),
        endAt,
        attendeeName: 'Ada',
        attendeeEmail: 'ada@example.com',
        createdByKeyId: org.adminKeyId,
        idempotencyKey: values.idempotencyKey ?? null,
        createdAt: values.createdAt ?? harness.clock,
        updatedAt: values.createdAt ?? harness.clock,
      })
      .returning();
    return made!;
  }

  it('deletes finished webhook deliveries past WEBHOOK_RETENTION_DAYS, never a pending one, then the events nothing points at', async () => {
    const webhookId = newId('wh');
    await harness.db.insert(webhooks).values({ id: webhookId, ...tenantOf(org), url: 'https://hooks.example/in', events: ['booking.created'], secretSealed: 'sealed' });
    const event = async (createdAt: Date) => {
      const id = newId('whevt');
      await harness.db.insert(webhookEvents).values({ id, ...tenantOf(org), type: 'booking.created', data: {}, createdAt });
      return id;
    };
    const delivery = async (eventId: string, status: 'PENDING' | 'SUCCEEDED' | 'FAILED', lastChange: Date) => {
      const id = newId('whdel');
      await harness.db.insert(webhookDeliveries).values({ id, ...tenantOf(org), webhookId, eventId, status, createdAt: lastChange, updatedAt: lastChange });
      return id;
    };
    const delivered = await event(ago(40 * DAY));
    await delivery(delivered, 'SUCCEEDED', ago(40 * DAY));
    await delivery(delivered, 'FAILED', ago(35 * DAY));
    const stillRetried = await event(ago(40 * DAY));
    const pending = await delivery(stillRetried, 'PENDING', ago(40 * DAY));
    const redelivered = await event(ago(40 * DAY));
    await delivery(redelivered, 'FAILED', ago(40 * DAY));
    const recentRetry = await delivery(redelivered, 'SUCCEEDED', ago(10 * DAY));
    const recent = await event(ago(10 * DAY));
    const recentDelivery = await delivery(recent, 'SUCCEEDED', ago(10 * DAY));
    const neverSent = await event(ago(31 * DAY));

    const report = await run();
    expect(report).toMatchObject({ webhookDeliveries: 3, webhookEvents: 2 });
    const deliveries = await harness.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
    expect(deliveries.map((row) => row.id).sort()).toEqual([pending, recentRetry, recentDelivery].sort());
    const events = await harness.db
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(inArray(webhookEvents.id, [delivered, stillRetried, redelivered, recent, neverSent]));
    expect(events.map((row) => row.id).sort()).toEqual([stillRetried, redelivered, recent].sort());
  });

  it("deletes what queued over WEBHOOK_RETENTION_DAYS ago for a webhook paused as long, and the events nothing else points at; a shorter pause keeps its queue", async () => {
    const pausedWebhook = async (pausedAt: Date) => {
      const id = newId('wh');
      await harness.db.insert(webhooks).values({ id, ...tenantOf(org), url: 'https://hooks.example/in', events: ['booking.created'], secretSealed: 'sealed', pausedAt, pauseReason: 'SUBSCRIBER_DEACTIVATED' });
      return id;
    };
    const queued = async (webhookId: string, createdAt: Date) => {
      const eventId = newId('whevt');
      await harness.db.insert(webhookEvents).values({ id: eventId, ...tenantOf(org), type: 'booking.created', data: {}, createdAt });
      const id = newId('whdel');
      await harness.db.insert(webhookDeliveries).values({ id, ...tenantOf(org), webhookId, eventId, status: 'PENDING', nextAttemptAt: createdAt, createdAt, updatedAt: createdAt });
      return { id, eventId };
    };
    const longPaused = await pausedWebhook(ago(35 * DAY));
    const forgotten = await queued(longPaused, ago(40 * DAY));
    const sincePause = await queued(longPaused, ago(10 * DAY));
    const brieflyPaused = await pausedWebhook(ago(5 * DAY));
    const waiting = await queued(brieflyPaused, ago(40 * DAY));

    const report = await run();
    expect(report).toMatchObject({ pausedWebhookBacklog: 1 });
    const left = await harness.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(inArray(webhookDeliveries.webhookId, [longPaused, brieflyPaused]));
    expect(left.map((row) => row.id).sort()).toEqual([sincePause.id, waiting.id].sort());
    const events = await harness.db.select({ id: webhookEvents.id }).from(webhookEvents).where(inArray(webhookEvents.id, [forgotten.eventId, sincePause.eventId, waiting.eventId]));
    expect(events.map((row) => row.id).sort()).toEqual([sincePause.eventId, waiting.eventId].sort());
  });

  it('forgets an idempotency key 24 hours after its booking was made, and keeps the booking', async () => {
    const dayOld = await booking({ createdAt: ago(25 * HOUR), idempotencyKey: 'retry-of-yesterday' });
    const fresh = await booking({ createdAt: ago(23 * HOUR), idempotencyKey: 'retry-of-this-morning' });
    expect((await run()).idempotencyKeys).toBe(1);
    const keys = await harness.db.select({ id: bookings.id, key: bookings.idempotencyKey }).from(bookings).where(inArray(bookings.id, [dayOld.id, fresh.id]));
    expect(Object.fromEntries(keys.map((row) => [row.id, row.key]))).toEqual({ [dayOld.id]: null, [fresh.id]: 'retry-of-this-morning' });
  });

  it("deletes a booking's history AUDIT_RETENTION_DAYS after it ended, and keeps the booking", async () => {
    const historyOf = async (bookingId: string) => harness.db.select().from(bookingEvents).where(eq(bookingEvents.bookingId, bookingId));
    const long = await booking({ endAt: ago(401 * DAY) });
    const recent = await booking({ endAt: ago(399 * DAY) });
    for (const { id } of [long, recent]) {
      await harness.db.insert(bookingEvents).values(
        (['CREATED', 'CONFIRMED'] as const).map((type) => ({
          id: newId('bkevt'),
          bookingId: id,
          ...tenantOf(org),
          type,
          toStatus: type === 'CREATED' ? ('PENDING' as const) : ('CONFIRMED' as const),
          actingKeyId: org.adminKeyId,
          createdAt: ago(420 * DAY),
        })),
      );
    }
    expect((await run()).bookingHistory).toBe(2);
    expect(await historyOf(long.id)).toEqual([]);
    expect(await historyOf(recent.id)).toHaveLength(2);
    expect(await harness.db.select({ id: bookings.id }).from(bookings).where(eq(bookings.id, long.id))).toHaveLength(1);
  });

  it('skips a run while another instance holds the retention lock', async () => {
    const other = await anotherInstanceOf(harness.database);
    try {
      const held = await other.exclusively(RETENTION_LOCK_ID, () => harness.app.retention.runOnce());
      expect(held).toEqual({ acquired: true, value: { ran: false } });
      expect((await harness.app.retention.runOnce()).ran).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('lets one of two runs started together do the work; the other skips', async () => {
    const other = await anotherInstanceOf(harness.database);
    const jobOn = (database: DatabaseHandle) =>
      new RetentionJob(database, { intervalMs: 0, auditDays: 400, webhookDays: 30 }, { now: () => harness.clock, logger: createLogger('silent') });
    const ended = await booking({ endAt: ago(500 * DAY) });
    await harness.db.insert(bookingEvents).values({ id: newId('bkevt'), bookingId: ended.id, ...tenantOf(org), type: 'CREATED', toStatus: 'PENDING' });
    try {
      const startBoth = () => [jobOn(harness.database).runOnce(), jobOn(other).runOnce()];
      let runs: ReturnType<typeof startBoth> = [];
      if (harness.database.kind === 'postgres') {
        // The winner is held at its booking-history step by our lock on that row until the loser has answered, so the two surely overlap.
        await harness.db.transaction(async (tx) => {
          await tx.select().from(bookingEvents).where(eq(bookingEvents.bookingId, ended.id)).for('update');
          runs = startBoth();
          expect(await Promise.race(runs)).toEqual({ ran: false });
        });
      } else {
        runs = startBoth();
      }
      const reports = await Promise.all(runs);
      expect(reports.filter((report) => report.ran)).toHaveLength(1);
      expect(reports.find((report) => report.ran)).toMatchObject({ bookingHistory: 1 });
    } finally {
      await other.close();
    }
  });
});
