import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires } from '../../graphql/requirements.js';
import { OUTBOUND_ERRORS_DESCRIPTION } from '../../lib/outbound-http.js';
import { MAX_DELIVERY_ATTEMPTS } from './delivery-policy.js';
import { WEBHOOK_EVENTS, describeRequirement } from './webhook-events.js';
import {
  createWebhook,
  deleteWebhook,
  deliveryCursor,
  deliveryStats,
  findWebhook,
  listDeliveries,
  listWebhooks,
  redeliverWebhookEvent,
  rotateWebhookSecret,
  updateWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookStats,
  type WebhookWithSecret,
} from './webhooks.service.js';

const DeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Waiting for its first or next attempt.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: `${MAX_DELIVERY_ATTEMPTS} attempts failed; redeliverWebhookEvent tries again.` },
  } as const,
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One event sent (or to be sent) to one webhook.',
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.exposeString('eventType', { description: 'The event type, such as booking.created.' }),
    eventId: t.exposeID('eventId', { description: 'The `id` in the payload; the same across redeliveries.' }),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    attempts: t.exposeInt('attempts'),
    responseStatus: t.int({
      nullable: true,
      deprecationReason: 'Always null: an exact status tells one service behind a URL from another. lastError says http_error.',
      resolve: () => null,
    }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'How long the last attempt took.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true, description: `Why the last attempt failed, as a category only: ${OUTBOUND_ERRORS_DESCRIPTION}.` }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebhookDeliveryConnection = connectionOf('WebhookDelivery', WebhookDeliveryRef);

const WebhookStatsRef = builder.objectRef<WebhookStats>('WebhookStats').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    pending: t.exposeInt('pending'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'succeeded / (succeeded + failed), from 0 to 1; null before any delivery finished.',
    }),
  }),
});

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  description: 'An endpoint that receives signed event notifications. Its signing secret is shown once, at creation or rotation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    events: t.exposeStringList('events'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveries: t.field({
      type: WebhookDeliveryConnection,
      description: 'Newest first.',
      args: pageArgs(t.arg),
      resolve: (webhook, args, { db, tenant }) =>
        resolveConnection(args, deliveryCursor, (page) => listDeliveries(db, tenant, webhook.id, page)),
    }),
    stats: t.field({
      type: WebhookStatsRef,
      resolve: (webhook, _args, { db, tenant }) => deliveryStats(db, tenant, webhook.id),
    }),
  }),
});

const WebhookWithSecretRef = builder.objectRef<WebhookWithSecret>('WebhookWithSecret').implement({
  description: 'A webhook and its signing secret. Store the secret now: it cannot be shown again.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (created) => created.webhook }),
    secret: t.exposeString('secret', { description: 'Verifies the Tessera-Signature header (see the README).' }),
  }),
});

const eventsDescription = `Event types, each with the scopes subscribing to it requires: ${Object.entries(WEBHOOK_EVENTS)
  .map(([event, { requires }]) => `${event} (${describeRequirement(requires)})`)
  .join(', ')}.`;

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https, public address (live mode); test mode also accepts http and loopback.' }),
    events: t.stringList({ required: true, description: eventsDescription }),
    description: t.string({ required: false }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: false }),
    events: t.stringList({ required: false, description: eventsDescription }),
    description: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({
    ...requires('webhooks:read'),
    type: [WebhookRef],
    resolve: (_root, _args, { db, tenant }) => listWebhooks(db, tenant),
  }),
  webhook: t.field({
    ...requires('webhooks:read'),
    type: WebhookRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant }) => findWebhook(db, tenant, id),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookWithSecretRef,
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    description:
      'Subscribing to an event needs the scopes that reading its data needs (see `events`). An organization has at most WEBHOOK_MAX_ENDPOINTS endpoints in each world (a server setting).',
    resolve: (_root, { input }, { db, principal, outbound, webhooks, now }) =>
      createWebhook(db, principal, input, { ...outbound, maxEndpoints: webhooks.maxEndpoints }, now()),
  }),
  updateWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWebhookInput, required: true }) },
    description: 'Needs the scopes of every event the webhook carries afterwards, as createWebhook does.',
    resolve: (_root, { id, input }, { db, principal, outbound, now }) =>
      updateWebhook(db, principal, id, input, outbound, now()),
  }),
  deleteWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookRef,
    description: 'Deletes the webhook; its pending deliveries are dropped.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant }) => deleteWebhook(db, tenant, id),
  }),
  rotateWebhookSecret: t.field({
    ...requires('webhooks:manage'),
    type: WebhookWithSecretRef,
    description: 'Issues a new signing secret; the old one stops signing immediately.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant, outbound, now }) => rotateWebhookSecret(db, tenant, id, outbound, now()),
  }),
  redeliverWebhookEvent: t.field({
    ...requires('webhooks:manage'),
    type: WebhookDeliveryRef,
    description: 'Queues the event of a delivery to its webhook again, as a new delivery with a fresh set of attempts.',
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, { deliveryId }, { db, tenant, now }) => redeliverWebhookEvent(db, tenant, deliveryId, now()),
  }),
}));
