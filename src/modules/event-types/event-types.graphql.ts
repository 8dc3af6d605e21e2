import { DEFAULT_BOOKING_WINDOW_DAYS, type CustomFieldDefinition } from '../../db/schema/event-types.js';
import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires } from '../../graphql/requirements.js';
import { TeamMemberRef } from '../team/team.graphql.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { CUSTOM_FIELD_TYPES, MAX_OPTIONS } from './custom-fields.js';
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

/** What each kind of custom field takes as an answer in customFieldValues. */
const CUSTOM_FIELD_ANSWERS: Record<(typeof CUSTOM_FIELD_TYPES)[number], string> = {
  TEXT: `A string of at most ${TEXT_LIMITS.customFieldText} characters (trimmed).`,
  EMAIL: 'A string that is an email address.',
  PHONE: 'A string of digits with spaces, ( ) . - and an optional leading +; 5 to 20 digits.',
  NUMBER: 'A JSON number.',
  SELECT: 'A string: one of the field\'s options.',
  BOOLEAN: 'true or false; when required, true (a consent box).',
};

const CustomFieldTypeEnum = builder.enumType('CustomFieldType', {
  description: 'The kind of answer a custom field takes.',
  values: Object.fromEntries(CUSTOM_FIELD_TYPES.map((type) => [type, { description: CUSTOM_FIELD_ANSWERS[type] }])) as Record<
    (typeof CUSTOM_FIELD_TYPES)[number],
    { description: string }
  >,
});

const CustomFieldRef = builder.objectRef<CustomFieldDefinition>('CustomField').implement({
  description: 'A question attendees answer when booking; answers go in the booking\'s customFieldValues under `key`.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Where the answer goes in customFieldValues.' }),
    label: t.exposeString('label', { description: 'The question, as shown to attendees.' }),
    type: t.expose('type', { type: CustomFieldTypeEnum, description: 'The kind of answer it takes.' }),
    required: t.exposeBoolean('required', {
      description: 'A booking must answer it (not blank). For BOOLEAN: the box must be ticked (true).',
    }),
    options: t.exposeStringList('options', { description: 'The choices of a SELECT field; empty otherwise.' }),
  }),
});

export const EventTypeRef = builder.objectRef<EventType>('EventType').implement({
  description: 'Something that can be booked: a 30-minute intro call, a 1-hour consultation.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event type.' }),
    title: t.exposeString('title', { description: 'Its name, as shown to attendees.' }),
    slug: t.exposeString('slug', { description: 'Its URL name, such as intro-call; see eventTypeBySlug.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text for attendees; null when none.' }),
    durationMinutes: t.exposeInt('durationMinutes', { description: 'How long each booking lasts, in minutes.' }),
    bufferBeforeMinutes: t.exposeInt('bufferBeforeMinutes', { description: 'Minutes kept free before each booking.' }),
    bufferAfterMinutes: t.exposeInt('bufferAfterMinutes', { description: 'Minutes kept free after each booking.' }),
    minimumNoticeMinutes: t.exposeInt('minimumNoticeMinutes', { description: 'How far ahead a booking must start, in minutes.' }),
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
    customFields: t.field({
      type: [CustomFieldRef],
      description: 'Questions attendees answer when booking, in order.',
      resolve: (eventType) => eventType.customFields,
    }),
    active: t.exposeBoolean('active', { description: 'Inactive event types stay listed but cannot be booked.' }),
    deletedAt: t.expose('deletedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When deleteEventType removed it; null while it exists.',
    }),
  }),
});

const EventTypeConnection = connectionOf('EventType', EventTypeRef);

const CustomFieldInput = builder.inputType('CustomFieldInput', {
  description: 'A question attendees answer when booking.',
  fields: (t) => ({
    key: t.string({
      required: true,
      description: `Letters, digits and underscores, starting with a letter, at most ${TEXT_LIMITS.customFieldKey} characters; unique per event type.`,
    }),
    label: t.string({ required: true, description: `The question, 1 to ${TEXT_LIMITS.customFieldLabel} characters after trimming.` }),
    type: t.field({ type: CustomFieldTypeEnum, required: true, description: 'The kind of answer it takes.' }),
    required: t.boolean({ required: false, description: 'Whether a booking must answer it; false when omitted.' }),
    options: t.stringList({
      required: false,
      description: `SELECT only, and required there: 1 to ${MAX_OPTIONS} unique choices of 1 to ${TEXT_LIMITS.customFieldLabel} characters.`,
    }),
  }),
});

const minutesFields = (t: PothosInputFields) => ({
  description: t.string({ required: false, description: `Free text for attendees, at most ${TEXT_LIMITS.description} characters; null: none.` }),
  bufferBeforeMinutes: t.int({ required: false, description: `Minutes kept free before each booking, 0 to ${EVENT_TYPE_LIMITS.maxBufferMinutes}.` }),
  bufferAfterMinutes: t.int({ required: false, description: `Minutes kept free after each booking, 0 to ${EVENT_TYPE_LIMITS.maxBufferMinutes}.` }),
  minimumNoticeMinutes: t.int({
    required: false,
    description: `How far ahead a booking must start, in minutes, 0 to ${EVENT_TYPE_LIMITS.maxMinimumNoticeMinutes} (a year).`,
  }),
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
  hostIds: t.idList({
    required: false,
    description: `Who can be booked: active team members of this organization, at most ${EVENT_TYPE_LIMITS.maxHosts}.`,
  }),
  customFields: t.field({
    type: [CustomFieldInput],
    required: false,
    description: `Questions attendees answer when booking, at most ${EVENT_TYPE_LIMITS.maxCustomFields}.`,
  }),
  active: t.boolean({ required: false, description: 'false: listed but not bookable; true when created without it.' }),
});

const TITLE = `1 to ${TEXT_LIMITS.title} characters after trimming.`;
const SLUG = `Lowercase letters and digits in words joined by single hyphens (intro-call), at most ${TEXT_LIMITS.slug} characters; unique among the organization's event types that are not deleted (per live/test world).`;
const DURATION = `Minutes, ${EVENT_TYPE_LIMITS.minDurationMinutes} to ${EVENT_TYPE_LIMITS.maxDurationMinutes}.`;

type PothosInputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const CreateEventTypeInput = builder.inputType('CreateEventTypeInput', {
  description:
    `Only title, slug and durationMinutes are required; omitted: no buffers, no notice, a ${DEFAULT_BOOKING_WINDOW_DAYS}-day booking window, ` +
    'no pending hold, no hosts, no custom fields, active.',
  fields: (t) => ({
    title: t.string({ required: true, description: TITLE }),
    slug: t.string({ required: true, description: SLUG }),
    durationMinutes: t.int({ required: true, description: DURATION }),
    ...minutesFields(t),
  }),
});

const UpdateEventTypeInput = builder.inputType('UpdateEventTypeInput', {
  description: 'Only the fields given change; hostIds and customFields replace the whole list; pendingHoldMinutes: null removes the hold.',
  fields: (t) => ({
    title: t.string({ required: false, description: TITLE }),
    slug: t.string({ required: false, description: SLUG }),
    durationMinutes: t.int({ required: false, description: DURATION }),
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
    args: { id: t.arg.id({ required: true, description: 'The event type.' }) },
    resolve: (_root, { id }, { db, tenant }) => findEventType(db, tenant, id),
  }),
  eventTypeBySlug: t.field({
    ...requires('event-types:read'),
    type: EventTypeRef,
    nullable: true,
    description: 'Not-deleted event types only; NOT_FOUND otherwise.',
    args: { slug: t.arg.string({ required: true, description: `The slug, such as intro-call (at most ${TEXT_LIMITS.slug} characters).` }) },
    resolve: (_root, { slug }, { db, tenant }) => findEventTypeBySlug(db, tenant, slug),
  }),
}));

builder.mutationFields((t) => ({
  createEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    description: 'Creates a bookable event type.',
    args: { input: t.arg({ type: CreateEventTypeInput, required: true, description: 'The new event type.' }) },
    resolve: (_root, { input }, { db, tenant, now }) =>
      createEventType(db, tenant, input, now()),
  }),
  updateEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    description: 'Changes an event type that is not deleted; bookings already made keep their times and hosts.',
    args: {
      id: t.arg.id({ required: true, description: 'The event type.' }),
      input: t.arg({ type: UpdateEventTypeInput, required: true, description: 'What changes.' }),
    },
    resolve: (_root, { id, input }, { db, tenant, now }) =>
      updateEventType(db, tenant, id, input, now()),
  }),
  deleteEventType: t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    description: 'Soft delete: gone from lists and slug lookups, no longer bookable; existing bookings keep it.',
    args: { id: t.arg.id({ required: true, description: 'The event type.' }) },
    resolve: (_root, { id }, { db, tenant, now }) => deleteEventType(db, tenant, id, now()),
  }),
}));
