/**
 * Apollo Client 4 and 3, as an application sets them up: an HttpLink with the
 * key in its headers, an InMemoryCache, and nothing else changed (default
 * fetch, errorPolicy "none", cache-first). Apollo Client 4 asks for
 * application/graphql-response+json first; Apollo Client 3 sends
 * `Accept: *\/*` (any type), which the server answers as application/json.
 */
import { createHash } from 'node:crypto';
import * as apollo3 from '@apollo/client-3';
import { ApolloError } from '@apollo/client-3/errors';
import type { ServerError as ServerError3 } from '@apollo/client-3/link/utils';
import * as apollo4 from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCUMENTS, serveApi, type ServedApi } from './helpers/served-api.js';

let api: ServedApi;
beforeAll(async () => {
  api = await serveApi();
});
afterAll(() => api?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What one test needs from a client: run an operation, and read what its error says. */
type Client = {
  query(document: string, variables?: Record<string, unknown>): Promise<{ data: any }>;
  mutate(document: string, variables?: Record<string, unknown>, errorPolicy?: 'all'): Promise<{ data: any; errors?: readonly { extensions?: any }[] }>;
};

function apolloClient4(key: string, link?: apollo4.ApolloLink): Client {
  const http = new apollo4.HttpLink({ uri: api.graphqlUrl, headers: { authorization: `Bearer ${key}` } });
  const client = new apollo4.ApolloClient({ link: link ? link.concat(http) : http, cache: new apollo4.InMemoryCache() });
  return {
    query: (document, variables) => client.query({ query: apollo4.gql(document), variables }),
    mutate: async (document, variables, errorPolicy) => {
      const result = await client.mutate({ mutation: apollo4.gql(document), variables, errorPolicy });
      return { data: result.data, errors: CombinedGraphQLErrors.is(result.error) ? result.error.errors : undefined };
    },
  };
}

function apolloClient3(key: string): Client {
  const link = new apollo3.HttpLink({ uri: api.graphqlUrl, headers: { authorization: `Bearer ${key}` } });
  const client = new apollo3.ApolloClient({ link, cache: new apollo3.InMemoryCache() });
  return {
    query: (document, variables) => client.query({ query: apollo3.gql(document), variables }),
    mutate: async (document, variables, errorPolicy) => {
      const result = await client.mutate({ mutation: apollo3.gql(document), variables, errorPolicy });
      return { data: result.data, errors: result.errors };
    },
  };
}

describe.each([
  ['Apollo Client 4', apolloClient4],
  ['Apollo Client 3', apolloClient3],
])('%s with its defaults', (_name, makeClient) => {
  const admin = () => makeClient(api.org.adminKey);

  it('runs a query with variables', async () => {
    const { data } = await admin().query(DOCUMENTS.eventTypeById, { id: api.eventTypeId });
    expect(data.eventType).toMatchObject({ id: api.eventTypeId, durationMinutes: 30 });
  });

  it('runs a query with a fragment', async () => {
    const { data } = await admin().query(DOCUMENTS.withFragment);
    expect(data.eventTypes.nodes).toEqual([expect.objectContaining({ id: api.eventTypeId, slug: expect.any(String) })]);
  });

  it('honours @include and @skip', async () => {
    const client = admin();
    const brief = await client.query(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: false, brief: true });
    expect(brief.data.eventType).not.toHaveProperty('slug');
    expect(brief.data.eventType).not.toHaveProperty('hosts');
    const full = await client.query(DOCUMENTS.withDirectives, { id: api.eventTypeId, withHosts: true, brief: false });
    expect(full.data.eventType).toMatchObject({ slug: expect.any(String), hosts: [{ id: expect.any(String) }] });
  });

  it('runs a mutation', async () => {
    const input = api.bookingInput();
    const { data } = await admin().mutate(DOCUMENTS.book, { input });
    expect(data.createBooking).toMatchObject({ status: 'PENDING', startAt: input.startAt });
  });

  it('rejects partial data by default (errorPolicy "none"), and keeps the created booking with errorPolicy "all"', async () => {
    const taken = await api.takeSlot();
    // Default: the promise rejects with the field error; the other alias's booking was still made.
    const refused = await admin().mutate(DOCUMENTS.twoBookings, { taken, free: api.bookingInput() }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const errors = CombinedGraphQLErrors.is(refused) ? refused.errors : (refused as ApolloError).graphQLErrors;
    expect(errors.map((error) => error.extensions?.code)).toEqual(['SLOT_UNAVAILABLE']);
    if (CombinedGraphQLErrors.is(refused)) expect(refused.data?.b).toMatchObject({ status: 'PENDING' });
    else expect(refused).toBeInstanceOf(ApolloError);

    const kept = await admin().mutate(DOCUMENTS.twoBookings, { taken, free: api.bookingInput() }, 'all');
    expect(kept.data).toMatchObject({ a: null, b: { status: 'PENDING' } });
    expect(kept.errors?.map((error) => error.extensions?.code)).toEqual(['SLOT_UNAVAILABLE']);
  });
});

describe('a 429 as each Apollo Client reports it', () => {
  /** A live key that has already spent its requests this minute. */
  async function spentLiveKey(): Promise<string> {
    const key = await api.liveKey();
    for (let spent = 0; ; spent++) {
      const response = await api.harness.request(DOCUMENTS.viewer, { key });
      if (response.status === 429) return key;
      if (spent > 10) throw new Error('the live key was never limited');
    }
  }

  it('Apollo Client 4: a CombinedGraphQLErrors with RATE_LIMITED (it reads a graphql-response+json body whatever the status)', async () => {
    const error = await apolloClient4(await spentLiveKey()).query(DOCUMENTS.viewer).catch((caught: unknown) => caught);
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as CombinedGraphQLErrors).errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', type: 'rate_limit_error' });
    expect((error as CombinedGraphQLErrors).data).toBeUndefined();
  });

  it('Apollo Client 3: a network error with statusCode 429 and the parsed body with RATE_LIMITED', async () => {
    const error = (await apolloClient3(await spentLiveKey()).query(DOCUMENTS.viewer).catch((caught: unknown) => caught)) as ApolloError;
    expect(error).toBeInstanceOf(ApolloError);
    const network = error.networkError as ServerError3;
    expect(network.name).toBe('ServerError');
    expect(network.statusCode).toBe(429);
    expect((network.result as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('RATE_LIMITED');
  });
});

describe("Apollo Client 4's automatic persisted queries link", () => {
  it('sends the hash once, gets PersistedQueryNotSupported, resends the full query and sends no hash after that', async () => {
    const sent: Array<{ query?: string; extensions?: { persistedQuery?: unknown } }> = [];
    // A spy, not a replacement: every request still goes out through the real fetch.
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
      return realFetch(input, init);
    });
    try {
      const client = apolloClient4(api.org.adminKey, createPersistedQueryLink({ sha256 }));
      const first = await client.query(DOCUMENTS.eventTypeById, { id: api.eventTypeId });
      expect(first.data.eventType.id).toBe(api.eventTypeId);
      const second = await client.query(DOCUMENTS.withFragment);
      expect(second.data.eventTypes.nodes).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
    expect(sent.map((body) => [Boolean(body.query), Boolean(body.extensions?.persistedQuery)])).toEqual([
      [false, true], // the hash alone
      [true, false], // PersistedQueryNotSupported: the full query, and never a hash again
      [true, false],
    ]);
  });
});
