import { beforeAll, expect, it } from 'vitest';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const ATTEMPTS = 20;
const SLOT = '2030-01-08T10:00:00.000Z';

describeIntegration('no double-booking under concurrent requests', (harness) => {
  let org: TestOrganization;
  let publicKey: string;

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    publicKey = (await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: ['bookings:create'] })).secret;
  });

  /** Fires all attempts at once and sorts the answers into bookings and refusals. */
  async function race(eventTypeId: string) {
    const responses = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        harness.request(CREATE_BOOKING, {
          key: publicKey,
          variables: { input: { eventTypeId, startAt: SLOT, attendee: attendee(`Guest ${i}`) } },
        }),
      ),
    );
    const booked = responses.filter((r) => r.body.data?.createBooking).map((r) => r.body.data!.createBooking);
    const refused = responses.filter((r) => r.body.errors);
    return { booked, refused };
  }

  it.each([1, 3])('admits exactly a capacity of %i out of 20 simultaneous attempts at one slot', async (capacity) => {
    const tenant = tenantOf(org);
    const host = await seedHost(harness, tenant, { capacity });
    const eventType = await seedEventType(harness, tenant, { hostIds: [host.id] });

    const { booked, refused } = await race(eventType.id);

    expect(booked).toHaveLength(capacity);
    expect(refused).toHaveLength(ATTEMPTS - capacity);
    for (const response of refused) {
      expect(response.status).toBe(200); // a field error: data is present (GraphQL over HTTP)
      expect(response.body.errors![0]!.extensions.code).toBe('SLOT_UNAVAILABLE');
      expect(response.body.errors![0]!.message).toMatch(/no longer\) available/);
    }
    const [stored] = await harness.database.query<{ count: number }>(
      `select count(*)::int as count from bookings where host_id = '${host.id}'`,
    );
    expect(stored!.count).toBe(capacity);
  });

  it('fills every host of a shared event type, each up to their own capacity, and no more', async () => {
    const tenant = tenantOf(org);
    const hosts = [await seedHost(harness, tenant, { capacity: 1 }), await seedHost(harness, tenant, { capacity: 2 })];
    const eventType = await seedEventType(harness, tenant, { hostIds: hosts.map((h) => h.id) });

    const { booked } = await race(eventType.id);

    expect(booked).toHaveLength(3);
    const perHost = booked.reduce<Record<string, number>>((counts, b) => ({ ...counts, [b.host.id]: (counts[b.host.id] ?? 0) + 1 }), {});
    expect(perHost).toEqual({ [hosts[0]!.id]: 1, [hosts[1]!.id]: 2 });
  });

  it('counts a host once across event types: a booking of one type blocks the same host on another', async () => {
    const tenant = tenantOf(org);
    const host = await seedHost(harness, tenant, { capacity: 1 });
    const a = await seedEventType(harness, tenant, { hostIds: [host.id] });
    const b = await seedEventType(harness, tenant, { hostIds: [host.id] });

    const responses = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        harness.request(CREATE_BOOKING, {
          key: publicKey,
          variables: { input: { eventTypeId: (i % 2 ? a : b).id, startAt: SLOT, attendee: attendee(`Guest ${i}`) } },
        }),
      ),
    );

    expect(responses.filter((r) => r.body.data?.createBooking)).toHaveLength(1);
  });
});
