import { and, count, eq, getTableColumns, sql } from 'drizzle-orm';
import { tenantOf, type Principal, type Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { organizations, webhookDeliveries, webhookEvents, webhooks } from '../../db/schema/index.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { inTenant } from '../../db/tenant.js';
import { appError, badUserInput, notFound } from '../../lib/errors.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { checkOutboundUrl, OutboundRefused, type HostResolver } from '../../lib/outbound-url.js';
import { newId, randomBase62 } from '../../lib/random.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { assertMaySubscribe, isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.js';
import { subscribersOf } from './webhook-subscribers.js';

export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect & { eventType: string };
export type WebhookWithSecret = { webhook: Webhook; secret: string };
export type WebhookStats = { total: number; pending: number; succeeded: number; failed: number; successRate: number | null };

/** What a webhook service call needs besides the database: sealing and DNS. */
export type WebhookDeps = { secrets: SecretBox; resolver: HostResolver };
/** Creating one also needs the endpoint limit (WEBHOOK_MAX_ENDPOINTS). */
export type NewWebhookDeps = WebhookDeps & { maxEndpoints: number };


/** `whsec_` plus 32 base62 characters (~190 bits); signs with HMAC-SHA256. */
export const newWebhookSecret = () => `whsec_${randomBase62(32)}`;

async function validatedUrl(url: string, tenant: Tenant, resolver: HostResolver): Promise<string> {
  if (url.length > TEXT_LIMITS.url) throw badUserInput('url', `must be at most ${TEXT_LIMITS.url} characters.`);
  try {
    return (await checkOutboundUrl(url, tenant.environment, resolver)).href;
  } catch (error) {
    if (error instanceof OutboundRefused) throw badUserInput('url', error.message);
    throw error;
  }
}

function validatedEvents(events: readonly string[]): WebhookEventType[] {
  const unique = [...new Set(events.map((event) => event.trim()))];
  if (unique.length === 0) throw badUserInput('events', 'subscribe to at least one event.');
  // Longer than any event's name: refused before it would be echoed back as unknown.
  if (unique.some((event) => event.length > TEXT_LIMITS.webhookEvent)) throw badUserInput('events', `each event is at most ${TEXT_LIMITS.webhookEvent} characters.`);
  const unknown = unique.filter((event) => !isWebhookEventType(event));
  if (unknown.length > 0) {
    throw badUserInput('events', `unknown event ${unknown.map((e) => `"${e}"`).join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
  }
  return unique as WebhookEventType[];
}

function validatedDescription(description: string | null | undefined): string | null {
  const trimmed = description?.trim() ?? '';
  if (trimmed.length > TEXT_LIMITS.webhookDescription) {
    throw badUserInput('description', `must be at most ${TEXT_LIMITS.webhookDescription} characters.`);
  }
  return trimmed || null;
}

export async function listWebhooks(db: Executor, tenant: Tenant): Promise<Webhook[]> {
  return db.select().from(webhooks).where(inTenant(webhooks, tenant)).orderBy(webhooks.createdAt, webhooks.id);
}

export async function findWebhook(db: Executor, tenant: Tenant, id: string): Promise<Webhook> {
  const [webhook] = await db
    .select()
    .from(webhooks)
    .where(and(inTenant(webhooks, tenant), eq(webhooks.id, id)))
    .limit(1);
  if (!webhook) throw notFound('webhook', id);
  return webhook;
}

export type NewWebhookInput = { url: string; events: readonly string[]; description?: string | null };

/** The caller subscribes with its own effective scopes: it may only route out data it could read. */
export async function createWebhook(
  db: Executor,
  principal: Principal,
  input: NewWebhookInput,
  deps: NewWebhookDeps,
  now: Date,
): Promise<WebhookWithSecret> {
  const tenant = tenantOf(principal);
  const events = validatedEvents(input.events);
  assertMaySubscribe(principal.scopes, events);
  const description = validatedDescription(input.description);
  const url = await validatedUrl(input.url, tenant, deps.resolver);
  const secret = newWebhookSecret();
  return db.transaction(async (tx) => {
    await assertRoomForEndpoint(tx, tenant, deps.maxEndpoints);
    const [webhook] = await tx
      .insert(webhooks)
      .values({
        id: newId('wh'),
        ...tenant,
        url,
        description,
        events,
        secretSealed: deps.secrets.seal(secret),
        ...subscribersOf(principal),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return { webhook: webhook!, secret };
  });
}

/**
 * Counts under a lock on the organization's row, so concurrent creations
 * queue and each sees the others' endpoints: the limit cannot be overrun.
 * (NO KEY UPDATE: it serializes creations, yet lets rows referencing the
 * organization be written meanwhile.)
 */
async function assertRoomForEndpoint(tx: Executor, tenant: Tenant, maxEndpoints: number): Promise<void> {
  await tx
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, tenant.organizationId))
    .for('no key update');
  const [row] = await tx.select({ endpoints: count() }).from(webhooks).where(inTenant(webhooks, tenant));
  if (row!.endpoints >= maxEndpoints) {
    throw appError(
      'RESOURCE_LIMIT_REACHED',
      `This organization already has ${row!.endpoints} webhook endpoints in ${tenant.environment.toLowerCase()} mode, the most it may have (${maxEndpoints}); delete one before adding another.`,
      { resource: 'webhook', limit: maxEndpoints },
    );
  }
}

export type WebhookUpdate = { url?: string | null; events?: readonly string[] | null; description?: string | null };

/**
 * Any change needs the scopes of every event the webhook will carry, not only
 * of events added: a new URL re-routes all of them.
 */
export async function updateWebhook(
  db: Executor,
  principal: Principal,
  id: string,
  update: WebhookUpdate,
  deps: Pick<WebhookDeps, 'resolver'>,
  now: Date,
): Promise<Webhook> {
  const tenant = tenantOf(principal);
  const current = await findWebhook(db, tenant, id);
  const changes: Partial<Webhook> = {};
  if (update.events != null) changes.events = validatedEvents(update.events);
  if (update.description !== undefined) changes.description = validatedDescription(update.description);
  if (update.url == null && Object.keys(changes).length === 0) throw badUserInput('input', 'nothing to update.');
  assertMaySubscribe(principal.scopes, changes.events ?? current.events);
  if (update.url != null) changes.url = await validatedUrl(update.url, tenant, deps.resolver);
  // Whoever re-routes or re-subscribes it answers for it from now on (a paused one stays paused: resumeWebhook).
  const [updated] = await db
    .update(webhooks)
    .set({ ...changes, ...subscribersOf(principal), updatedAt: now })
    .where(eq(webhooks.id, current.id))
    .returning();
  return updated!;
}

/** Pending deliveries go with it: nobody is listening there any more. */
export async function deleteWebhook(db: Executor, tenant: Tenant, id: string): Promise<Webhook> {
  const webhook = await findWebhook(db, tenant, id);
  await db.delete(webhooks).where(eq(webhooks.id, webhook.id));
  return webhook;
}

/** The old secret stops signing at once; deliveries already queued are signed with the new one. */
export async function rotateWebhookSecret(
  db: Executor,
  tenant: Tenant,
  id: string,
  deps: Pick<WebhookDeps, 'secrets'>,
  now: Date,
): Promise<WebhookWithSecret> {
  const current = await findWebhook(db, tenant, id);
  const secret = newWebhookSecret();
  const [webhook] = await db
    .update(webhooks)
    .set({ secretSealed: deps.secrets.seal(secret), updatedAt: now })
    .where(eq(webhooks.id, current.id))
    .returning();
  return { webhook: webhook!, secret };
}

const deliveryColumns = { ...getTableColumns(webhookDeliveries), eventType: webhookEvents.type };

/** Newest first: the latest attempts are the ones a caller is debugging. */
const DELIVERY_ORDER: KeysetOrder = { at: webhookDeliveries.createdAt, id: webhookDeliveries.id, direction: 'desc' };
export const deliveryCursor = (delivery: WebhookDelivery) => encodeCursor({ at: delivery.createdAt, id: delivery.id });

export function listDeliveries(
  db: Executor,
  tenant: Tenant,
  webhookId: string,
  page: PageRequest,
): Promise<KeysetPage<WebhookDelivery>> {
  return keysetPage(DELIVERY_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(and(inTenant(webhookDeliveries, tenant), eq(webhookDeliveries.webhookId, webhookId), where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}

export async function deliveryStats(db: Executor, tenant: Tenant, webhookId: string): Promise<WebhookStats> {
  const [row] = await db
    .select({
      total: sql<number>`count(*)::int`,
      pending: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'PENDING'))::int`,
      succeeded: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'SUCCEEDED'))::int`,
      failed: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'FAILED'))::int`,
    })
    .from(webhookDeliveries)
    .where(and(inTenant(webhookDeliveries, tenant), eq(webhookDeliveries.webhookId, webhookId)));
  const { total, pending, succeeded, failed } = row!;
  const finished = succeeded + failed;
  return { total, pending, succeeded, failed, successRate: finished === 0 ? null : succeeded / finished };
}

/** Sends the same event (same id, so receivers can de-duplicate) to the same webhook again, as a new delivery. */
export async function redeliverWebhookEvent(db: Executor, tenant: Tenant, deliveryId: string, now: Date): Promise<WebhookDelivery> {
  const [original] = await db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(inTenant(webhookDeliveries, tenant), eq(webhookDeliveries.id, deliveryId)))
    .limit(1);
  if (!original) throw notFound('webhook delivery', deliveryId);
  const [created] = await db
    .insert(webhookDeliveries)
    .values({
      id: newId('whdel'),
      ...tenant,
      webhookId: original.webhookId,
      eventId: original.eventId,
      status: 'PENDING',
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { ...created!, eventType: original.eventType };
}

/**
 * An admin's review ends a pause: whoever resumes it answers for it from now on, and needs every
 * scope its events need, as subscribing does. Deliveries queued meanwhile are sent. A running
 * endpoint is answered as it is.
 */
export async function resumeWebhook(db: Executor, principal: Principal, id: string, now: Date): Promise<Webhook> {
  const current = await findWebhook(db, tenantOf(principal), id);
  if (current.pausedAt === null) return current;
  assertMaySubscribe(principal.scopes, current.events);
  const [resumed] = await db
    .update(webhooks)
    .set({ pausedAt: null, pauseReason: null, ...subscribersOf(principal), updatedAt: now })
    .where(eq(webhooks.id, current.id))
    .returning();
  return resumed!;
}
