/**
 * GraphQL over HTTP: when `data` is present the status is 2xx; 4xx/5xx only
 * for request-level failures. Apollo Client 3 drops the data of a 409 even
 * with errorPolicy "all", and graphql-request throws on it.
 */
import { beforeAll, expect, it } from 'vitest';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const TWO_BOOKINGS = `mutation Two($taken: CreateBookingInput!, $free: CreateBookingInput!) {
  a: createBooking(input: $taken) { id }
  b: createBooking(input: $free) { id status }
}`;

describeIntegrationOnOneTier(`status codes with partial data`, (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org));
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
  });

  const input = (startAt: string) => ({ eventTypeId, startAt, attendee: attendee() });

  it.each(['application/json', 'application/graphql-response+json'])(
    'answers 200 with the created booking when another alias hits a taken slot (%s)',
    async (accept) => {
      const taken = '2030-01-08T10:00:00.000Z';
      await harness.request('mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }', { key: org.adminKey, variables: { i: input(taken) } });
      const free = new Date(Date.parse('2030-01-08T11:00:00.000Z') + (accept.length % 7) * 3_600_000).toISOString();
      const response = await harness.request(TWO_BOOKINGS, {
        key: org.adminKey,
        variables: { taken: input(taken), free: input(free) },
        headers: { accept },
      });
      expect(response.status).toBe(200);
      expect(response.body.data?.a).toBeNull();
      expect(response.body.data?.b).toMatchObject({ status: 'PENDING' });
      expect(response.body.errors?.map((error) => error.extensions.code)).toEqual(['SLOT_UNAVAILABLE']);
    },
  );

  it('answers 200 with the other field’s data when one field has bad input', async () => {
    const response = await harness.request(
      'query { viewer { scopes } eventTypes(first: 500) { nodes { id } } }',
      { key: org.adminKey },
    );
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer.scopes.length).toBeGreaterThan(0);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('keeps request-level failures at their status: no key 401; an unparsable document 400 for graphql-response+json clients', async () => {
    expect((await harness.request('{ viewer { scopes } }')).status).toBe(401);
    const unparsable = await harness.request('{ viewer {', { key: org.adminKey, headers: { accept: 'application/graphql-response+json' } });
    expect(unparsable.status).toBe(400);
    expect(unparsable.body.data).toBeUndefined();
  });

  it('answers an automatic persisted query (hash only) with PersistedQueryNotSupported, so Apollo Client resends the full query', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminKey}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38' } } }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.errors).toEqual([expect.objectContaining({ message: 'PersistedQueryNotSupported', extensions: expect.objectContaining({ code: 'PERSISTED_QUERY_NOT_SUPPORTED' }) })]);
  });
});
