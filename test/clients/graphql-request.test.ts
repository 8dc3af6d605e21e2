/**
 * graphql-request 7 with its defaults: a GraphQLClient with the key in its
 * headers, POST for everything, errorPolicy "none" (any error in the
 * response throws a ClientError that carries the whole response).
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS, serveApi, type ServedApi } from './helpers/served-api.js';

let api: ServedApi;
beforeAll(async () => {
  api = await serveApi();
});
afterAll(() => api?.close());

const client = (key: string) => new GraphQLClient(api.graphqlUrl, { headers: { authorization: `Bearer ${key}` } });

async function clientError(work: Promise<unknown>): Promise<ClientError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('graphql-request with its defaults', () => {
  it('runs a query with variables', async () => {
    const data = await client(api.org.adminKey).request<any>(DOCUMENTS.eventTypeById, { id: api.eventTypeId });
    expect(data.eventType).toMatchObject({ id: api.eventTypeId, durationMinutes: 30 });
  });

  it('runs a query with a fragment', async () => {
    const data = await client(api.org.adminKey).request<any>(DOCUMENTS.withFragment);
    expect(data.eventTypes.nodes).toEqual([expect.objectContaining({ id: api.eventTypeId, slug: expect.any(String) })]);
  });

  it('honours @include and @skip', async () => {
    const brief = await client(api.org.adminKey).request<any>(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: false, brief: true });
    expect(brief.eventType).not.toHaveProperty('slug');
    expect(brief.eventType).not.toHaveProperty('hosts');
    const full = await client(api.org.adminKey).request<any>(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: true, brief: false });
    expect(full.eventType).toMatchObject({ slug: expect.any(String), hosts: [{ id: expect.any(String) }] });
  });

  it('runs a mutation', async () => {
    const input = api.bookingInput();
    const data = await client(api.org.adminKey).request<any>(DOCUMENTS.book, { input });
    expect(data.createBooking).toMatchObject({ status: 'PENDING', startAt: input.startAt });
  });

  it('throws on partial data, with the other booking in the error’s response (status 200)', async () => {
    const taken = await api.takeSlot();
    const error = await clientError(client(api.org.adminKey).request(DOCUMENTS.twoBookings, { taken, free: api.bookingInput() }));
    expect(error.response.status).toBe(200);
    expect(error.response.data).toMatchObject({ a: null, b: { status: 'PENDING' } });
    expect(error.response.errors?.map((graphQLError) => graphQLError.extensions?.code)).toEqual(['SLOT_UNAVAILABLE']);
  });

  it('throws a ClientError on a 429 with status 429, RATE_LIMITED and Retry-After', async () => {
    const key = await api.liveKey();
    while ((await api.harness.request(DOCUMENTS.viewer, { key })).status !== 429);
    const error = await clientError(client(key).request(DOCUMENTS.viewer));
    expect(error.response.status).toBe(429);
    expect(error.response.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', type: 'rate_limit_error' });
    expect(error.response.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
