/**
 * urql 6 (@urql/core) as its documentation sets it up: a Client with the
 * cache and fetch exchanges and the key in fetchOptions. Its defaults send
 * queries as GET while the URL stays short (`preferGetMethod:
 * "within-url-limit"`), mutations as POST, and never throw: a result carries
 * `data` and a CombinedError side by side, with the HTTP response.
 */
import { Client, cacheExchange, fetchExchange, type CombinedError } from '@urql/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DOCUMENTS, serveApi, type ServedApi } from './helpers/served-api.js';

let api: ServedApi;
beforeAll(async () => {
  api = await serveApi();
});
afterAll(() => api?.close());

const urql = (key: string) =>
  new Client({ url: api.graphqlUrl, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers: { authorization: `Bearer ${key}` } } });

/** Every request urql sends, seen on its way out through the real fetch. */
let sent: Array<{ method: string; authorization: string | null }> = [];
beforeEach(() => {
  sent = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    sent.push({ method: init?.method ?? 'GET', authorization: new Headers(init?.headers).get('authorization') });
    return realFetch(input, init);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const codes = (error: CombinedError | undefined) => error?.graphQLErrors.map((graphQLError) => graphQLError.extensions.code);

describe('urql with its defaults', () => {
  it('runs a query with variables, sent as GET with the key in Authorization (accepted: no form can set that header)', async () => {
    const result = await urql(api.org.adminKey).query(DOCUMENTS.eventTypeById, { id: api.eventTypeId }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.eventType).toMatchObject({ id: api.eventTypeId, durationMinutes: 30 });
    expect(sent).toEqual([{ method: 'GET', authorization: `Bearer ${api.org.adminKey}` }]);
  });

  it('runs a query with a fragment', async () => {
    const result = await urql(api.org.adminKey).query(DOCUMENTS.withFragment, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.eventTypes.nodes).toEqual([expect.objectContaining({ id: api.eventTypeId, slug: expect.any(String) })]);
  });

  it('honours @include and @skip', async () => {
    const client = urql(api.org.adminKey);
    const brief = await client.query(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: false, brief: true }).toPromise();
    expect(brief.data.eventType).not.toHaveProperty('slug');
    expect(brief.data.eventType).not.toHaveProperty('hosts');
    const full = await client.query(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: true, brief: false }).toPromise();
    expect(full.data.eventType).toMatchObject({ slug: expect.any(String), hosts: [{ id: expect.any(String) }] });
  });

  it('runs a mutation, sent as POST', async () => {
    const input = api.bookingInput();
    const result = await urql(api.org.adminKey).mutation(DOCUMENTS.book, { input }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.createBooking).toMatchObject({ status: 'PENDING', startAt: input.startAt });
    expect(sent.map((request) => request.method)).toEqual(['POST']);
  });

  it('hands over partial data and the field error together', async () => {
    const taken = await api.takeSlot();
    const result = await urql(api.org.adminKey).mutation(DOCUMENTS.twoBookings, { taken, free: api.bookingInput() }).toPromise();
    expect(result.data).toMatchObject({ a: null, b: { status: 'PENDING' } });
    expect(codes(result.error)).toEqual(['SLOT_UNAVAILABLE']);
    expect(result.error?.response?.status).toBe(200);
  });

  it('reports a 429 as a CombinedError holding RATE_LIMITED and the response with status 429', async () => {
    const key = await api.liveKey();
    while ((await api.harness.request(DOCUMENTS.viewer, { key })).status !== 429);
    const result = await urql(key).query(DOCUMENTS.viewer, {}).toPromise();
    expect(result.data).toBeUndefined();
    expect(codes(result.error)).toEqual(['RATE_LIMITED']);
    expect(result.error?.response?.status).toBe(429);
    expect(result.error?.response?.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
