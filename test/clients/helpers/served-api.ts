/**
 * What the real-client tier talks to: the app over real HTTP on 127.0.0.1
 * (node:http, the listener `npm start` serves), with one organization, a host
 * and an event type to book, and the documents every client runs. Test keys
 * have relaxed limits; live keys a tiny one (RATE_LIMIT_LIVE_PER_MINUTE), so
 * a live key is how a test meets a 429.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attendee, seedEventType, seedHost, tenantOf } from '../../helpers/booking-fixtures.js';
import { TestHarness, type TestOrganization } from '../../helpers/harness.js';

/** Requests a live key may make per minute: the third gets 429 RATE_LIMITED. */
export const LIVE_REQUESTS_PER_MINUTE = 2;

export type ServedApi = {
  harness: TestHarness;
  graphqlUrl: string;
  org: TestOrganization;
  eventTypeId: string;
  /** A fresh live key in its own organization, with LIVE_REQUESTS_PER_MINUTE to spend. */
  liveKey(): Promise<string>;
  /** A booking input for a slot no other call of this file has used. */
  bookingInput(): { eventTypeId: string; startAt: string; attendee: ReturnType<typeof attendee> };
  /** Books a slot with a plain request, so a client can then be refused it. */
  takeSlot(): Promise<ReturnType<ServedApi['bookingInput']>>;
  close(): Promise<void>;
};

export async function serveApi(): Promise<ServedApi> {
  const harness = await TestHarness.start({ RATE_LIMIT_LIVE_PER_MINUTE: String(LIVE_REQUESTS_PER_MINUTE) });
  harness.clock = new Date('2030-01-07T08:00:00Z');
  const server: Server = createServer(harness.app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const graphqlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const org = await harness.organization();
  const host = await seedHost(harness, tenantOf(org));
  const { id: eventTypeId } = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
  const live = await harness.organization('LIVE');
  let slots = 0;

  const bookingInput = () => {
    const startAt = new Date(Date.parse('2030-01-08T00:00:00Z') + slots++ * 3_600_000).toISOString();
    return { eventTypeId, startAt, attendee: attendee() };
  };

  return {
    harness,
    graphqlUrl,
    org,
    eventTypeId,
    async liveKey() {
      const key = await harness.makeKey({ organization: live, environment: 'LIVE', scopes: ['event-types:read'] });
      return key.secret;
    },
    bookingInput,
    async takeSlot() {
      const input = bookingInput();
      const response = await harness.request('mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }', {
        key: org.adminKey,
        variables: { input },
      });
      if (!response.body.data?.createBooking) throw new Error(`could not take a slot: ${JSON.stringify(response.body)}`);
      return input;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.stop();
    },
  };
}

/** The documents each client sends, as text; each client parses them its own way. */
export const DOCUMENTS = {
  eventTypeById: `query EventTypeById($id: ID!) {
    eventType(id: $id) { id title durationMinutes }
  }`,
  withFragment: `query EventTypeCards {
    eventTypes(first: 5) { nodes { ...EventTypeCard } }
  }
  fragment EventTypeCard on EventType { id title slug }`,
  withDirectives: `query EventTypeDetail($id: ID!, $withHosts: Boolean!, $brief: Boolean!) {
    eventType(id: $id) {
      id
      slug @skip(if: $brief)
      hosts @include(if: $withHosts) { id }
    }
  }`,
  book: `mutation Book($input: CreateBookingInput!) {
    createBooking(input: $input) { id status startAt }
  }`,
  twoBookings: `mutation BookTwo($taken: CreateBookingInput!, $free: CreateBookingInput!) {
    a: createBooking(input: $taken) { id }
    b: createBooking(input: $free) { id status }
  }`,
  viewer: `query Viewer { viewer { scopes } }`,
} as const;
