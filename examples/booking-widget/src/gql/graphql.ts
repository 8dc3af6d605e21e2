/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** The person booking. */
export type AttendeeInput = {
  /** An email address such as ada@example.com, at most 320 characters. */
  email: string;
  /** 1 to 200 characters after trimming. */
  name: string;
  /** IANA name, e.g. "Europe/Berlin"; stored with the booking. */
  timeZone?: string | null | undefined;
};

/** Where a booking is in its lifecycle: PENDING → CONFIRMED → COMPLETED or NO_SHOW; PENDING or CONFIRMED → CANCELLED; PENDING → EXPIRED. */
export type BookingStatus =
  /** Cancelled; the time is free again. Final. */
  | 'CANCELLED'
  /** Took place. Final. */
  | 'COMPLETED'
  /** Confirmed; holding the host’s time. */
  | 'CONFIRMED'
  /** Left PENDING past its event type’s pendingHoldMinutes (see expiresAt); the time is free again. Final. */
  | 'EXPIRED'
  /** The attendee did not come. Final. */
  | 'NO_SHOW'
  /** Requested, holding the host’s time; awaiting confirmation. */
  | 'PENDING';

/** A booking of one slot of an event type. */
export type CreateBookingInput = {
  /** Who is booking. */
  attendee: AttendeeInput;
  /** Answers to the event type’s custom fields, as an object by field key; required fields must be answered, unknown keys are refused. */
  customFieldValues?: unknown;
  /** An active event type that is not deleted. */
  eventTypeId: string | number;
  /** Book this host; otherwise the least busy free host is chosen. */
  hostId?: string | number | null | undefined;
  /** Retrying with the same key (from the same API key) within 24 hours returns the first booking instead of a second (accessToken null); after that the key is forgotten. At most 255 characters. With a public key it must be at least 20 random characters (a UUID): anyone who has the key and repeats it gets that booking back. */
  idempotencyKey?: string | null | undefined;
  /** A slot start returned by `availability`. */
  startAt: string;
};

export type WidgetBookingFragment = { id: string, status: BookingStatus, startAt: string, eventType: { title: string }, attendee: { name: string, email: string } };

export type WidgetEventTypesQueryVariables = Exact<{ [key: string]: never; }>;


export type WidgetEventTypesQuery = { eventTypes: { nodes: Array<{ id: string, title: string, description: string | null, durationMinutes: number }> } | null };

export type WidgetAvailabilityQueryVariables = Exact<{
  eventTypeId: string | number;
  from: string;
  to: string;
  timeZone: string;
}>;


export type WidgetAvailabilityQuery = { availability: Array<{ start: string, localStart: string }> | null };

export type WidgetBookMutationVariables = Exact<{
  input: CreateBookingInput;
}>;


export type WidgetBookMutation = { createBooking: { accessToken: string | null, id: string, status: BookingStatus, startAt: string, eventType: { title: string }, attendee: { name: string, email: string } } | null };

export type WidgetMyBookingsQueryVariables = Exact<{
  accessTokens: Array<string> | string;
  first: number;
}>;


export type WidgetMyBookingsQuery = { bookings: { nodes: Array<{ id: string, status: BookingStatus, startAt: string, eventType: { title: string }, attendee: { name: string, email: string } }> } | null };

export const WidgetBookingFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WidgetBooking"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Booking"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startAt"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"title"}}]}},{"kind":"Field","name":{"kind":"Name","value":"attendee"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}}]} as unknown as DocumentNode<WidgetBookingFragment, unknown>;
export const WidgetEventTypesDocument = {"__meta__":{"hash":"sha256:cc2ca3d0df0f1f2879038d05411c1dce55174d2d4381be0eaf5bd5acca0296d6"}} as unknown as DocumentNode<WidgetEventTypesQuery, WidgetEventTypesQueryVariables>;
export const WidgetAvailabilityDocument = {"__meta__":{"hash":"sha256:0150b7fb111e47a25986942f3938a7e3e67e41ac380a31568e261311497b4c0d"}} as unknown as DocumentNode<WidgetAvailabilityQuery, WidgetAvailabilityQueryVariables>;
export const WidgetBookDocument = {"__meta__":{"hash":"sha256:7f7748d5ea4396f6925429bca8cda07d493ce7ef0fe691133d6bc8d8525e417b"}} as unknown as DocumentNode<WidgetBookMutation, WidgetBookMutationVariables>;
export const WidgetMyBookingsDocument = {"__meta__":{"hash":"sha256:a5ff99d7ec4cebb3a779e8f21224f2129ce9404d2a38487c4480bd8e4f43caaa"}} as unknown as DocumentNode<WidgetMyBookingsQuery, WidgetMyBookingsQueryVariables>;