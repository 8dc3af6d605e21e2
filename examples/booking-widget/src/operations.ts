import { request, type WidgetConfig } from './api.js';
import { graphql } from './gql/gql.js';

/**
 * The four operations a public key needs; each asks for only what the page
 * shows. GraphQL Code Generator's client preset builds them (codegen.ts,
 * `npm run widget:codegen`) into typed documents that carry only their hash,
 * and into the manifest the site owner registers as trusted documents.
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

// Spread by name below; the preset puts its definition into each document that uses it.
graphql(`fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }`);

const EventTypesDocument = graphql(`query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }`);

export async function listEventTypes(config: WidgetConfig): Promise<EventType[]> {
  const data = await request(config, EventTypesDocument, {});
  return data.eventTypes?.nodes ?? [];
}

const AvailabilityDocument = graphql(`query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {
  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }
}`);

/** Free slots starting on one calendar day of the visitor, with times in their zone. */
export async function slotsOnDay(config: WidgetConfig, eventTypeId: string, day: string, timeZone: string): Promise<Slot[]> {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  // The browser runs in the visitor's zone, so these are the visitor's midnights.
  const from = new Date(year, month - 1, date);
  const to = new Date(year, month - 1, date + 1);
  const data = await request(config, AvailabilityDocument, { eventTypeId, from: from.toISOString(), to: to.toISOString(), timeZone });
  return data.availability ?? [];
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

const BookDocument = graphql(`mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }`);

export async function book(config: WidgetConfig, booking: BookingRequest): Promise<NewBooking> {
  const data = await request(config, BookDocument, {
    input: {
      eventTypeId: booking.eventTypeId,
      startAt: booking.startAt,
      attendee: { name: booking.name, email: booking.email, timeZone: booking.timeZone },
      idempotencyKey: booking.idempotencyKey,
    },
  });
  return data.createBooking!;
}

const MyBookingsDocument = graphql(`query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {
  bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }
}`);

/**
 * The bookings this visitor made from this page, by the access tokens the
 * page kept. A public key sees a booking only with its token, so another
 * visitor (or anyone who copies the key) sees none of these.
 */
export async function bookingsByTokens(config: WidgetConfig, accessTokens: readonly string[]): Promise<Booking[]> {
  if (accessTokens.length === 0) return [];
  const data = await request(config, MyBookingsDocument, { accessTokens: [...accessTokens], first: accessTokens.length });
  return data.bookings?.nodes ?? [];
}
