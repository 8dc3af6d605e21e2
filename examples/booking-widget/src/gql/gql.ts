/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }": typeof types.WidgetBookingFragmentDoc,
    "query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }": typeof types.WidgetEventTypesDocument,
    "query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }\n}": typeof types.WidgetAvailabilityDocument,
    "mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }": typeof types.WidgetBookDocument,
    "query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {\n  bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }\n}": typeof types.WidgetMyBookingsDocument,
};
const documents: Documents = {
    "fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }": types.WidgetBookingFragmentDoc,
    "query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }": types.WidgetEventTypesDocument,
    "query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }\n}": types.WidgetAvailabilityDocument,
    "mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }": types.WidgetBookDocument,
    "query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {\n  bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }\n}": types.WidgetMyBookingsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }"): (typeof documents)["fragment WidgetBooking on Booking { id status startAt eventType { title } attendee { name email } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }"): (typeof documents)["query WidgetEventTypes { eventTypes(first: 50) { nodes { id title description durationMinutes } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }\n}"): (typeof documents)["query WidgetAvailability($eventTypeId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {\n  availability(eventTypeId: $eventTypeId, from: $from, to: $to, timeZone: $timeZone) { start localStart }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }"): (typeof documents)["mutation WidgetBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {\n  bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }\n}"): (typeof documents)["query WidgetMyBookings($accessTokens: [String!]!, $first: Int!) {\n  bookings(accessTokens: $accessTokens, first: $first) { nodes { ...WidgetBooking } }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;