import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { eventTypes } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { badUserInput, notFound } from '../../graphql/errors.js';
import { newId } from '../../lib/random.js';

export type EventType = typeof eventTypes.$inferSelect;

export async function listEventTypes(db: Executor, tenant: Tenant): Promise<EventType[]> {
  return db
    .select()
    .from(eventTypes)
    .where(and(inTenant(eventTypes, tenant), isNull(eventTypes.deletedAt)))
    .orderBy(asc(eventTypes.createdAt), asc(eventTypes.id));
}

export async function findEventType(db: Executor, tenant: Tenant, id: string): Promise<EventType> {
  const [eventType] = await db
    .select()
    .from(eventTypes)
    .where(and(inTenant(eventTypes, tenant), eq(eventTypes.id, id)))
    .limit(1);
  if (!eventType) throw notFound('event type', id);
  return eventType;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export type NewEventType = { title: string; slug: string; durationMinutes: number; description?: string | null };

export async function createEventType(db: Executor, tenant: Tenant, input: NewEventType, now: Date): Promise<EventType> {
  const title = input.title.trim();
  if (!title || title.length > 200) throw badUserInput('title', 'must be 1 to 200 characters.');
  if (!SLUG.test(input.slug) || input.slug.length > 100) {
    throw badUserInput('slug', 'use lowercase letters, digits and single hyphens, like "intro-call".');
  }
  if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 5 || input.durationMinutes > 1440) {
    throw badUserInput('durationMinutes', 'must be a whole number of minutes from 5 to 1440.');
  }
  const taken = await db
    .select({ id: eventTypes.id })
    .from(eventTypes)
    .where(and(inTenant(eventTypes, tenant), eq(eventTypes.slug, input.slug), isNull(eventTypes.deletedAt)))
    .limit(1);
  if (taken.length > 0) throw badUserInput('slug', `"${input.slug}" is already used by another event type.`);
  const [eventType] = await db
    .insert(eventTypes)
    .values({
      id: newId('evtype'),
      ...tenant,
      title,
      slug: input.slug,
      description: input.description ?? null,
      durationMinutes: input.durationMinutes,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return eventType!;
}
