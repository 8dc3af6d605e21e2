import { beforeAll, describe, expect, it } from 'vitest';
import { bookingEvents, bookings } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/random.js';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { GraphQLResponse, TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';

const DAY = '2030-01-08T';
const LIST = `query($filter: BookingFilter, $first: Int, $after: String) {
  bookings(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status startAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describeIntegration('listing bookings', (harness) => {
  let org: TestOrganization;
  let counter: QueryCounter;
  const made: Record<string, string> = {};
  let hosts: { id: string }[];
  let eventTypes: { id: string }[];

  const list = async (variables: Record<string, unknown>) => {
    const response = await harness.request(LIST, { key: org.adminKey, variables });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.bookings;
  };
  const idsOf = (page: any) => page.edges.map((e: any) => e.node.id);

  beforeAll(async () => {
    counter = QueryCounter.attach(harness.db);
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    const tenant = tenantOf(org);
    hosts = [await seedHost(harness, tenant), await seedHost(harness, tenant)];
    eventTypes = [
      await seedEventType(harness, tenant, { hostIds: [hosts[0]!.id] }),
      await seedEventType(harness, tenant, { hostIds: [hosts[1]!.id] }),
    ];
    // a: 09:00 host 0, b: 10:00 host 1 (confirmed), c: 11:00 host 0 (cancelled), d: 12:00 host 1
    const plan = [['a', 0, '09:00'], ['b', 1, '10:00'], ['c', 0, '11:00'], ['d', 1, '12:00']] as const;
    for (const [name, which, time] of plan) {
      const response = await harness.request(CREATE_BOOKING, {
        key: org.adminKey,
        variables: { input: { eventTypeId: eventTypes[which]!.id, startAt: `${DAY}${time}:00Z`, attendee: attendee() } },
      });
      made[name] = response.body.data!.createBooking.id;
    }
    await harness.request('mutation($id: ID!) { confirmBooking(id: $id) { id } }', { key: org.adminKey, variables: { id: made.b } });
    await harness.request('mutation($id: ID!) { cancelBooking(id: $id) { id } }', { key: org.adminKey, variables: { id: made.c } });
  });

  it('lists in start time order', async () => {
    expect(idsOf(await list({}))).toEqual([made.a, made.b, made.c, made.d]);
  });

  it.each([
    ['status', () => ({ status: 'CONFIRMED' }), ['b']],
    ['several statuses', () => ({ status: ['PENDING', 'CANCELLED'] }), ['a', 'c', 'd']],
    ['event type', () => ({ eventTypeId: eventTypes[1]!.id }), ['b', 'd']],
    ['host', () => ({ hostId: hosts[0]!.id }), ['a', 'c']],
    ['time range (from inclusive, to exclusive)', () => ({ from: `${DAY}10:00:00Z`, to: `${DAY}12:00:00Z` }), ['b', 'c']],
    ['host and status together', () => ({ hostId: hosts[0]!.id, status: 'PENDING' }), ['a']],
  ])('filters by %s', async (_what, filter, expected) => {
    expect(idsOf(await list({ filter: filter() }))).toEqual(expected.map((name) => made[name]));
  });

  it('pages with cursors until the end', async () => {
    const first = await list({ first: 3 });
    expect(idsOf(first)).toEqual([made.a, made.b, made.c]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[2].cursor });
    const second = await list({ first: 3, after: first.pageInfo.endCursor });
    expect(idsOf(second)).toEqual([made.d]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses pages larger than 200 and cursors it did not issue', async () => {
    const tooMany = await harness.request(LIST, { key: org.adminKey, variables: { first: 201 } });
    expect(tooMany.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const forged = await harness.request(LIST, { key: org.adminKey, variables: { after: 'bm9wZQ' } });
    expect(forged.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  describe('cost', () => {
    const NESTED = `query($first: Int) { bookings(first: $first) { nodes {
      id eventType { id title } host { id name } createdByKey { id preview }
      history { type actingKey { id preview } }
    } } }`;

    /** What a page of bookings reads; background jobs (audit, key expiry, origin refresh) may run meanwhile and are left out. */
    const PAGE_READS = /from "(bookings|event_types|team_members|booking_events)"|select "id", "preview" from "api_keys"/;

    async function queriesFor(first: number) {
      let response: GraphQLResponse | undefined;
      const statements = await counter.during(async () => {
        response = await harness.request(NESTED, { key: org.adminKey, variables: { first } });
      });
      expect(response!.body.errors).toBeUndefined();
      expect(response!.body.data!.bookings.nodes).toHaveLength(first);
      return statements.filter((sql) => PAGE_READS.test(sql));
    }

    it('costs the same few queries for a page of 200 bookings as for a page of 2', async () => {
      const other = await harness.organization();
      const tenant = tenantOf(other);
      const keys = [other.adminKeyId, (await harness.makeKey({ organization: other, scopes: ['*'] })).id];
      const manyHosts = await Promise.all(Array.from({ length: 5 }, () => seedHost(harness, tenant)));
      const manyTypes = await Promise.all(manyHosts.map((host) => seedEventType(harness, tenant, { hostIds: [host.id] })));
      const rows = Array.from({ length: 200 }, (_, i) => ({
        id: newId('bkg'),
        ...tenant,
        eventTypeId: manyTypes[i % 5]!.id,
        hostId: manyHosts[i % 5]!.id,
        startAt: new Date(Date.parse('2030-02-01T00:00:00Z') + i * 3_600_000),
        endAt: new Date(Date.parse('2030-02-01T00:30:00Z') + i * 3_600_000),
        attendeeName: `Guest ${i}`,
        attendeeEmail: `guest${i}@example.com`,
        createdByKeyId: keys[i % 2]!,
        createdAt: harness.clock,
        updatedAt: harness.clock,
      }));
      await harness.db.insert(bookings).values(rows);
      await harness.db.insert(bookingEvents).values(
        rows.flatMap((row) =>
          (['CREATED', 'CONFIRMED'] as const).map((type) => ({
            id: newId('bkev'),
            bookingId: row.id,
            ...tenant,
            type,
            toStatus: 'PENDING' as const,
            actingKeyId: row.createdByKeyId,
            createdAt: harness.clock,
          })),
        ),
      );
      org = other;

      await queriesFor(2); // warms authentication caches
      const small = await queriesFor(2);
      const large = await queriesFor(200);
      expect(large.length).toBe(small.length);
      expect(large.length).toBeLessThanOrEqual(6); // bookings, event types, hosts, keys, history (+ acting keys)
      // The very same statements, whatever the number of ids a loader asks for: one prepared statement each per connection.
      expect([...large].sort()).toEqual([...small].sort());
    });
  });
});
