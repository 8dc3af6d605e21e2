import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema/index.js';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const BOOKING_EVENTS = [
  'booking.created',
  'booking.updated',
  'booking.cancelled',
  'booking.rescheduled',
  'booking.confirmed',
  'booking.completed',
  'booking.no_show',
];

describeIntegration('booking webhook events', (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  let hostId: string;

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    const tenant = tenantOf(org);
    hostId = (await seedHost(harness, tenant, { capacity: 1 })).id;
    eventTypeId = (await seedEventType(harness, tenant, { hostIds: [hostId] })).id;
    const subscribed = await harness.request(
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
      { key: org.adminKey, variables: { input: { url: 'http://127.0.0.1:9/hooks', events: BOOKING_EVENTS } } },
    );
    expect(subscribed.body.errors).toBeUndefined();
  });

  const eventsOf = async (bookingId: string) =>
    (await harness.db.select().from(webhookEvents).where(eq(webhookEvents.organizationId, org.organizationId)))
      .filter((event) => (event.data as any).booking.id === bookingId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());

  const mutate = (query: string, variables: Record<string, unknown>) => harness.request(query, { key: org.adminKey, variables });

  it('enqueues one event per change, carrying the booking as the API shows it and what changed', async () => {
    const created = await mutate(CREATE_BOOKING, {
      input: { eventTypeId, startAt: '2030-01-08T10:00:00Z', attendee: attendee(), idempotencyKey: 'wh-1' },
    });
    const id = created.body.data!.createBooking.id;
    harness.advance(60_000);
    await mutate('mutation($id: ID!) { rescheduleBooking(id: $id, startAt: "2030-01-08T11:00:00Z") { id } }', { id });
    harness.advance(60_000);
    await mutate('mutation($id: ID!) { cancelBooking(id: $id, reason: "Ill") { id } }', { id });

    const events = await eventsOf(id);
    expect(events.map((event) => event.type)).toEqual(['booking.created', 'booking.rescheduled', 'booking.cancelled']);
    expect(events[0]!.data).toEqual({
      booking: {
        id,
        eventType: { id: eventTypeId },
        host: { id: hostId },
        status: 'PENDING',
        startAt: '2030-01-08T10:00:00.000Z',
        endAt: '2030-01-08T10:30:00.000Z',
        attendee: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/London' },
        customFieldValues: {},
        notes: null,
        createdAt: '2030-01-07T08:00:00.000Z',
        updatedAt: '2030-01-07T08:00:00.000Z',
        cancelledAt: null,
        cancellationReason: null,
        createdByKey: { id: org.adminKeyId },
      },
    });
    expect(events[1]!.data.previous).toEqual({ startAt: '2030-01-08T10:00:00.000Z', endAt: '2030-01-08T10:30:00.000Z' });
    expect(events[2]!.data.previous).toEqual({ status: 'PENDING', cancelledAt: null, cancellationReason: null });
  });

  it('enqueues nothing when the change is refused', async () => {
    const taken = await mutate(CREATE_BOOKING, { input: { eventTypeId, startAt: '2030-01-08T14:00:00Z', attendee: attendee() } });
    const before = (await harness.db.select().from(webhookEvents)).length;
    const refused = await mutate(CREATE_BOOKING, { input: { eventTypeId, startAt: '2030-01-08T14:00:00Z', attendee: attendee() } });
    expect(refused.body.errors![0]!.extensions.code).toBe('SLOT_UNAVAILABLE');
    const confirmTwice = 'mutation($id: ID!) { confirmBooking(id: $id) { id } }';
    await mutate(confirmTwice, { id: taken.body.data!.createBooking.id });
    const again = await mutate(confirmTwice, { id: taken.body.data!.createBooking.id });
    expect(again.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect((await harness.db.select().from(webhookEvents)).length).toBe(before + 1);
  });
});
