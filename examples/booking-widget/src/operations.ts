import { graphql, type WidgetConfig } from './api.js';

/**
 * The four operations a public key needs; each asks for only what the page
 * shows. Each document is a template literal marked GraphQL, so GraphQL Code
 * Generator and editors find them (test/clients/codegen.test.ts types them
 * against schema.graphql).
 */

export type EventType = { id: string; title: string; description: string | null; durationMinutes: number };
export type Slot = { start: string; localStart: string };
export type Booking = {
  id: string;
  status: string;
  startAt: string;
  eventType: { title: string };
  attendee: { name: string; email: string };
};

const BOOKING_FIELDS = /* GraphQL */ `
  fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }
`;

export async function listEventTypes(config: WidgetConfig): Promise<EventType[]> {
  const data = await graphql<{ eventTypes: { nodes: EventType[] } }>(
    config,
    /* GraphQL */ `query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }`,
  );
  return data.eventTypes.nodes;
}

/** Free slots starting on one calendar day of the visitor, with times in their zone. */
export async function slotsOnDay(config: WidgetConfig, eventTypeId: string, day: string, timeZone: string): Promise<Slot[]> {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  // The browser runs in the visitor's zone, so these are the visitor's midnights.
  const from = new Date(year, month - 1, date);
  const to = new Date(year, month - 1, date + 1);
  const data = await graphql<{ availability: Slot[] }>(
    config,
    /* GraphQL */ `query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {
      availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }
    }`,
    { eventTypeId, from: from.toISOString(), to: to.toISOString(), timeZone },
  );
  return data.availability;
}

export type BookingRequest = {
  eventTypeId: string;
  startAt: string;
  name: string;
  email: string;
  timeZone: string;
  /** One per attempt: a double click or a retried request books once. */
  idempotencyKey: string;
};

/** The new booking and its access token: the only time the API shows it (null when a retry replayed the request). */
export type NewBooking = Booking & { accessToken: string | null };

export async function book(config: WidgetConfig, request: BookingRequest): Promise<NewBooking> {
  const data = await graphql<{ createBooking: NewBooking }>(
    config,
    /* GraphQL */ `mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }
    ${BOOKING_FIELDS}`,
    {
      input: {
        eventTypeId: request.eventTypeId,
        startAt: request.startAt,
        attendee: { name: request.name, email: request.email, timeZone: request.timeZone },
        idempotencyKey: request.idempotencyKey,
      },
    },
  );
  return data.createBooking;
}

/**
 * The bookings this visitor made from this page, by the access tokens the
 * page kept. A public key sees a booking only with its token, so another
 * visitor (or anyone who copies the key) sees none of these.
 */
export async function bookingsByTokens(config: WidgetConfig, accessTokens: readonly string[]): Promise<Booking[]> {
  if (accessTokens.length === 0) return [];
  const data = await graphql<{ bookings: { nodes: Booking[] } }>(
    config,
    /* GraphQL */ `query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {
      bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }
    }
    ${BOOKING_FIELDS}`,
    { accessTokens, first: accessTokens.length },
  );
  return data.bookings.nodes;
}
