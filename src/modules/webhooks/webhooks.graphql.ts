import { builder } from '../../graphql/builder.js';
import { MemberRef, ServiceAccountRef } from '../members/member-refs.graphql.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { deprecated } from '../../graphql/deprecation.js';
import { requires } from '../../graphql/requirements.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { OUTBOUND_ERRORS_DESCRIPTION } from '../../lib/outbound-http.js';
import { MAX_DELIVERY_ATTEMPTS } from './delivery-policy.js';
import { webhookLoaders } from './webhook-loaders.js';
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
  resumeWebhook,
  rotateWebhookSecret,
  updateWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookStats,
  type WebhookWithSecret,
} from './webhooks.service.js';

const DeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { description: 'Waiting for its first or next attempt.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: `${MAX_DELIVERY_ATTEMPTS} attempts failed; redeliverWebhookEvent tries again.` },
  } as const,
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One event sent (or to be sent) to one webhook.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The delivery; redeliverWebhookEvent takes it.' }),
    event: t.exposeString('eventType', { description: 'The event type, such as booking.created.' }),
    eventId: t.exposeID('eventId', { description: 'The `id` in the payload; the same across redeliveries.' }),
    status: t.expose('status', { type: DeliveryStatusEnum, description: 'Pending, succeeded or failed.' }),
    attempts: t.exposeInt('attempts', {
      description: `Attempts made so far, at most ${MAX_DELIVERY_ATTEMPTS}; sent as the Tessera-Delivery-Attempt header.`,
    }),
    responseStatus: t.int({
      nullable: true,
      description: 'Always null.',
      ...deprecated({
        since: '2026-12-01',
        use: 'lastError',
        why: 'Always null: an exact status tells one service behind a URL from another; lastError says http_error.',
      }),
      resolve: () => null,
    }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'How long the last attempt took, in milliseconds; null before the first.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once SUCCEEDED or FAILED.',
    }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When the last attempt was made; null before the first.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: `Why the last attempt failed, as a category only: ${OUTBOUND_ERRORS_DESCRIPTION}.` }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the delivery was queued.' }),
  }),
});

const WebhookDeliveryConnection = connectionOf('WebhookDelivery', WebhookDeliveryRef);

const WebhookStatsRef = builder.objectRef<WebhookStats>('WebhookStats').implement({
  description: 'Counts of the deliveries still kept (finished ones are deleted after WEBHOOK_RETENTION_DAYS, a server setting).',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'All deliveries.' }),
    pending: t.exposeInt('pending', { description: 'Deliveries still PENDING.' }),
    succeeded: t.exposeInt('succeeded', { description: 'Deliveries that SUCCEEDED.' }),
    failed: t.exposeInt('failed', { description: 'Deliveries that FAILED.' }),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'succeeded / (succeeded + failed), from 0 to 1; null before any delivery finished.',
    }),
  }),
});

const PauseReasonEnum = builder.enumType('WebhookPauseReason', {
  description: 'Why nothing is being sent to a webhook.',
  values: {
    SUBSCRIBER_DEACTIVATED: { description: 'The member whose key subscribed it was deactivated.' },
    SUBSCRIBER_ROLE_CHANGED: { description: 'The member or service account whose key subscribed it no longer has a role that manages webhooks.' },
    SUBSCRIBER_DELETED: { description: 'The service account whose key subscribed it was deleted.' },
  } as const,
});

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  description: 'An endpoint that receives signed event notifications. Its signing secret is shown once, at creation or rotation.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The webhook.' }),
    url: t.exposeString('url', { description: 'Where events are POSTed.' }),
    description: t.exposeString('description', { nullable: true, description: 'A note for people; null when none.' }),
    events: t.exposeStringList('events', { description: 'The event types it receives, such as booking.created.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    pausedAt: t.expose('pausedAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When deliveries stopped because whoever answers for it (subscribedBy, subscribedByServiceAccount) left, was deleted or stopped managing webhooks; null while it runs. Events still queue; resumeWebhook sends them.',
    }),
    pauseReason: t.expose('pauseReason', { type: PauseReasonEnum, nullable: true, description: 'Why it is paused; null while it runs.' }),
    // Who chose the URL, for the admin who reviews it before resuming; Member and ServiceAccount carry their own scopes.
    subscribedBy: t.field({
      type: MemberRef,
      nullable: true,
      description:
        "The member who answers for it: who held the key that subscribed it (created, last changed or resumed it); for a service account's key, the member who received it. " +
        'Deactivating them, or a role that does not manage webhooks, pauses it. Null for a service account key issued at the CLI.',
      resolve: (webhook, _args, context) =>
        webhook.subscribedByMemberId === null ? null : webhookLoaders(context).members.load(webhook.subscribedByMemberId),
    }),
    subscribedByServiceAccount: t.field({
      type: ServiceAccountRef,
      nullable: true,
      description:
        "The service account whose key subscribed it, if one did: deleting the account, or a role that does not manage webhooks, pauses it. Null for a member's own key.",
      resolve: (webhook, _args, context) =>
        webhook.subscribedByServiceAccountId === null ? null : webhookLoaders(context).serviceAccounts.load(webhook.subscribedByServiceAccountId),
    }),
    deliveries: t.field({
      type: WebhookDeliveryConnection,
      description: 'Newest first.',
      args: pageArgs(t.arg),
      resolve: (webhook, args, { db, tenant }) =>
        resolveConnection(args, deliveryCursor, (page) => listDeliveries(db, tenant, webhook.id, page)),
    }),
    stats: t.field({
      type: WebhookStatsRef,
      description: 'How its deliveries went.',
      resolve: (webhook, _args, { db, tenant }) => deliveryStats(db, tenant, webhook.id),
    }),
  }),
});

const WebhookWithSecretRef = builder.objectRef<WebhookWithSecret>('WebhookWithSecret').implement({
  description: 'A webhook and its signing secret. Store the secret now: it cannot be shown again.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (created) => created.webhook }),
    secret: t.exposeString('secret', { description: 'Verifies the Tessera-Signature header (see the README).' }),
  }),
});

const eventsDescription = `Event types, each with the scopes subscribing to it requires: ${Object.entries(WEBHOOK_EVENTS)
  .map(([event, { requires }]) => `${event} (${describeRequirement(requires)})`)
  .join(', ')}.`;

const URL = `https, public address (live mode); test mode also accepts http and loopback. At most ${TEXT_LIMITS.url} characters.`;
const DESCRIPTION = `A note for people, at most ${TEXT_LIMITS.webhookDescription} characters after trimming; blank or null: none.`;

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'A new webhook endpoint.',
  fields: (t) => ({
    url: t.string({ required: true, description: URL }),
    events: t.stringList({ required: true, description: `At least one. ${eventsDescription}` }),
    description: t.string({ required: false, description: DESCRIPTION }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Only the fields given change; at least one is needed.',
  fields: (t) => ({
    url: t.string({ required: false, description: URL }),
    events: t.stringList({ required: false, description: `Replaces the list; at least one. ${eventsDescription}` }),
    description: t.string({ required: false, description: DESCRIPTION }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({
    ...requires('webhooks:read'),
    type: [WebhookRef],
    description: "The organization's webhooks in the key's live or test data, oldest first.",
    resolve: (_root, _args, { db, tenant }) => listWebhooks(db, tenant),
  }),
  webhook: t.field({
    ...requires('webhooks:read'),
    type: WebhookRef,
    nullable: true,
    description: 'One webhook; NOT_FOUND for an id outside the key\'s organization and live or test data.',
    args: { id: t.arg.id({ required: true, description: 'The webhook.' }) },
    resolve: (_root, { id }, { db, tenant }) => findWebhook(db, tenant, id),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookWithSecretRef,
    args: { input: t.arg({ type: CreateWebhookInput, required: true, description: 'The webhook to create.' }) },
    description:
      'Subscribing to an event needs the scopes that reading its data needs (see `events`). An organization has at most WEBHOOK_MAX_ENDPOINTS endpoints in each world (a server setting).',
    resolve: (_root, { input }, { db, principal, outbound, webhooks, now }) =>
      createWebhook(db, principal, input, { ...outbound, maxEndpoints: webhooks.maxEndpoints }, now()),
  }),
  updateWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookRef,
    args: {
      id: t.arg.id({ required: true, description: 'The webhook.' }),
      input: t.arg({ type: UpdateWebhookInput, required: true, description: 'What changes.' }),
    },
    description: 'Needs the scopes of every event the webhook carries afterwards, as createWebhook does.',
    resolve: (_root, { id, input }, { db, principal, outbound, now }) =>
      updateWebhook(db, principal, id, input, outbound, now()),
  }),
  deleteWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookRef,
    description: 'Deletes the webhook; its pending deliveries are dropped.',
    args: { id: t.arg.id({ required: true, description: 'The webhook.' }) },
    resolve: (_root, { id }, { db, tenant }) => deleteWebhook(db, tenant, id),
  }),
  rotateWebhookSecret: t.field({
    ...requires('webhooks:manage'),
    type: WebhookWithSecretRef,
    description: 'Issues a new signing secret; the old one stops signing immediately.',
    args: { id: t.arg.id({ required: true, description: 'The webhook.' }) },
    resolve: (_root, { id }, { db, tenant, outbound, now }) => rotateWebhookSecret(db, tenant, id, outbound, now()),
  }),
  resumeWebhook: t.field({
    ...requires('webhooks:manage'),
    type: WebhookRef,
    description:
      'Sends to a paused webhook again, the deliveries queued meanwhile first; the calling key then answers for it (its member, when that member leaves, pauses it again). Needs the scopes of its events, as createWebhook does. A running webhook is answered unchanged.',
    args: { id: t.arg.id({ required: true, description: 'The webhook.' }) },
    resolve: (_root, { id }, { db, principal, now }) => resumeWebhook(db, principal, id, now()),
  }),
  redeliverWebhookEvent: t.field({
    ...requires('webhooks:manage'),
    type: WebhookDeliveryRef,
    description: 'Queues the event of a delivery to its webhook again, as a new delivery with a fresh set of attempts.',
    args: { deliveryId: t.arg.id({ required: true, description: 'Any delivery of the event (WebhookDelivery.id).' }) },
    resolve: (_root, { deliveryId }, { db, tenant, now }) => redeliverWebhookEvent(db, tenant, deliveryId, now()),
  }),
}));
