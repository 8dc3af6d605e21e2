import { tenantOf } from '../../auth/principal.js';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/scopes.js';
import { createEventType, findEventType, listEventTypes, type EventType } from './event-types.service.js';

export const EventTypeRef = builder.objectRef<EventType>('EventType').implement({
  description: 'Something that can be booked: a 30-minute intro call, a 1-hour consultation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    slug: t.exposeString('slug'),
    description: t.exposeString('description', { nullable: true }),
    durationMinutes: t.exposeInt('durationMinutes'),
    bufferBeforeMinutes: t.exposeInt('bufferBeforeMinutes'),
    bufferAfterMinutes: t.exposeInt('bufferAfterMinutes'),
    minimumNoticeMinutes: t.exposeInt('minimumNoticeMinutes'),
    active: t.exposeBoolean('active'),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreateEventTypeInput = builder.inputType('CreateEventTypeInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    slug: t.string({ required: true, description: 'Lowercase letters, digits and hyphens; unique per organization.' }),
    durationMinutes: t.int({ required: true }),
    description: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  eventTypes: t.field({
    ...requires('event-types:read'),
    type: [EventTypeRef],
    resolve: (_root, _args, { db, principal }) => listEventTypes(db, tenantOf(principal)),
  }),
  eventType: t.field({
    ...requires('event-types:read'),
    type: EventTypeRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, principal }) => findEventType(db, tenantOf(principal), String(id)),
  }),
}));

builder.mutationField('createEventType', (t) =>
  t.field({
    ...requires('event-types:write'),
    type: EventTypeRef,
    args: { input: t.arg({ type: CreateEventTypeInput, required: true }) },
    resolve: (_root, { input }, { db, principal, now }) => createEventType(db, tenantOf(principal), input, now()),
  }),
);
