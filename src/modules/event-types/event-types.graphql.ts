import { DEFAULT_BOOKING_WINDOW_DAYS, type CustomFieldDefinition } from '../../db/schema/event-types.js';
import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires } from '../../graphql/requirements.js';
import { TeamMemberRef } from '../team/team.graphql.js';
import { CUSTOM_FIELD_TYPES } from './custom-fields.js';
import { eventTypeLoaders } from './event-type-loaders.js';
import {
  createEventType,
  deleteEventType,
  eventTypeCursor,
  findEventType,
  findEventTypeBySlug,
  listEventTypes,
  updateEventType,
  type EventType,
} from './event-types.service.js';
import { EVENT_TYPE_LIMITS } from './limits.js';

const CustomFieldTypeEnum = builder.enumType('CustomFieldType', { values: CUSTOM_FIELD_TYPES });

const CustomFieldRef = builder.objectRef<CustomFieldDefinition>('CustomField').implement({
  description: 'A question attendees answer when booking; answers go in the booking\'s customFieldValues under `key`.',
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label'),
    type: t.expose('type', { type: CustomFieldTypeEnum }),
    required: t.exposeBoolean('required', { description: 'For BOOLEAN: the box must be ticked (true).' }),
    options: t.exposeStringList('options', { description: 'The choices of a SELECT field; empty otherwise.' }),
  }),
});

export const EventTypeRef = builder.objectRef<EventType>('EventType').implement({
  description: 'Something that can be booked: a 30-minute intro call, a 1-hour consultation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    slug: t.exposeString('slug'),
    description: t.exposeString('description', { nullable: true }),
    durationMinutes: t.exposeInt('durationMinutes'),
    bufferBeforeMinutes: t.exposeInt('bufferBeforeMinutes', { description: 'Kept free before each booking.' }),
    bufferAfterMinutes: t.exposeInt('bufferAfterMinutes', { description: 'Kept free after each booking.' }),
    minimumNoticeMinutes: t.exposeInt('minimumNoticeMinutes', { description: 'How far ahead a booking must start.' }),
    bookingWindowDays: t.exposeInt('bookingWindowDays', {
      description: 'How far ahead a booking may start: at most this many days (of 24 hours) from now. Later slots are not offered.',
    }),
    pendingHoldMinutes: t.exposeInt('pendingHoldMinutes', {
      nullable: true,
      description:
        'How long a new booking holds its slot while PENDING: unconfirmed after this many minutes it becomes EXPIRED and the slot is free. ' +
        'Null: it holds until confirmed or cancelled.',
    }),
    hosts: t.field({
      type: [TeamMemberRef],
      description: 'Who can be booked, deactivated members included (they are offered for nothing). Empty: bookable by nobody.',
      resolve: (eventType, _args, context) => eventTypeLoaders(context).hosts.load(eventType.id),
    }),
    customFields: t.field({ type: [CustomFieldRef], resolve: (eventType) => eventType.customFields }),
    active: t.exposeBoolean('active', { description: 'Inactive event types stay listed but cannot be booked.' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});

const EventTypeConnection = connectionOf('EventType', EventTypeRef);

const CustomFieldInput = builder.inputType('CustomFieldInput', {
  fields: (t) => ({
    key: t.string({ required: true, description: 'Letters, digits and underscores, starting with a letter; unique per event type.' }),
    label: t.string({ required: true }),
    type: t.field({ type: CustomFieldTypeEnum, required: true }),
    required: t.boolean({ required: false, description: 'false when omitted.' }),
    options: t.stringList({ required: false, description: 'SELECT only, and required there.' }),
  }),
});

const minutesFields = (t: PothosInputFields) => ({
  description: t.string({ required: false }),
  bufferBeforeMinutes: t.int({ required: false, description: `0 to ${EVENT_TYPE_LIMITS.maxBufferMinutes}.` }),
  bufferAfterMinutes: t.int({ required: false, description: `0 to ${EVENT_TYPE_LIMITS.maxBufferMinutes}.` }),
  minimumNoticeMinutes: t.int({ required: false, description: `0 to ${EVENT_TYPE_LIMITS.maxMinimumNoticeMinutes}.` }),
  bookingWindowDays: t.int({
    required: false,
    description: `How many days ahead bookings may start, ${EVENT_TYPE_LIMITS.minBookingWindowDays} to ${EVENT_TYPE_LIMITS.maxBookingWindowDays}; ${DEFAULT_BOOKING_WINDOW_DAYS} when created without it.`,
  }),
  pendingHoldMinutes: t.int({
    required: false,
    description:
      `Minutes a PENDING booking holds its slot before it expires, ${EVENT_TYPE_LIMITS.minPendingHoldMinutes} to ${EVENT_TYPE_LIMITS.maxPendingHoldMinutes}; ` +
      'applies to bookings made afterwards. Null (or omitted on create): held until confirmed or cancelled.',
  }),
  hostIds: t.idList({ required: false, description: 'Active team members of this organization.' }),
  customFields: t.field({ type: [CustomFieldInput], required: false }),
  active: t.boolean({ required: false }),
});

type PothosInputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const CreateEventTypeInput = builder.inputType('CreateEventTypeInput', {
  description:
    `Only title, slug and durationMinutes are required; omitted: no buffers, no notice, a ${DEFAULT_BOOKING_WINDOW_DAYS}-day booking window, ` +
    'no pending hold, no hosts, no custom fields, active.',
  fields: (t) => ({
    title: t.string({ required: true }),
    slug: t.string({ required: true, description: 'Lowercase letters, digits and hyphens; unique per organization.' }),
    durationMinutes: t.int({
      required: true,
      description: `${EVENT_TYPE_LIMITS.minDurationMinutes} to ${EVENT_TYPE_LIMITS.maxDurationMinutes}.`,
    }),
    ...minutesFields(t),
  }),
});

const UpdateEventTypeInput = builder.inputType('UpdateEventTypeInput', {
  description: 'Only the fields given change; hostIds and customFields replace the whole list; pendingHoldMinutes: null removes the hold.',
  fields: (t) => ({
    title: t.string({ required: false }),
    slug: t.string({ required: false }),
    durationMinutes: t.int({ required: false }),
    ...minutesFields(t),
  }),
});

builder.queryFields((t) => ({
  eventTypes: t.field({
    ...requires('event-types:read'),
    type: EventTypeConnection,
    description: 'Oldest first; deleted event types are left out.',
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, tenant }) =>
      resolveConnection(args, eventTypeCursor, (page) => listEventTypes(db, tenant, page)),
  }),
  eventType: t.field({
    ...requires('event-types:read'),
    type: EventTypeRef,
    nullable: true,
    description: 'Also answers for a deleted event type (see deletedAt), as its bookings still point at it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant }) => findEventType(db, tenant, id),
  }),
  eventTypeBySlug: t.field({
    ...requires('event-types:read'),
    type: EventTypeRef,
    nullable: true,
    description: 'Not-deleted event types only.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (_root, { slug }, { db, tenant }) => findEventTypeBySlug(db, tenant, slug),
  }),
}));

builder.mutationFields((t) => ({
  createEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    args: { input: t.arg({ type: CreateEventTypeInput, required: true }) },
    resolve: (_root, { input }, { db, tenant, now }) =>
      createEventType(db, tenant, input, now()),
  }),
  updateEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateEventTypeInput, required: true }) },
    resolve: (_root, { id, input }, { db, tenant, now }) =>
      updateEventType(db, tenant, id, input, now()),
  }),
  deleteEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    description: 'Soft delete: gone from lists and slug lookups, no longer bookable; existing bookings keep it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant, now }) => deleteEventType(db, tenant, id, now()),
  }),
}));
