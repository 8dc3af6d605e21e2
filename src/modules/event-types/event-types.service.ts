import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { eventTypeHosts, eventTypes } from '../../db/schema/index.js';
import { preparedKeysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { preparedQuery } from '../../db/prepared.js';
import { inTenant, TENANT_PLACEHOLDERS } from '../../db/tenant.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { badUserInput, appError, notFound } from '../../lib/errors.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { newId } from '../../lib/random.js';
import { validateCustomFieldDefinitions, type CustomFieldInput } from './custom-fields.js';
import {
  checkedBookingWindow,
  checkedBuffer,
  checkedDescription,
  checkedDuration,
  checkedHostIds,
  checkedNotice,
  checkedPendingHold,
  checkedSlug,
  checkedTitle,
} from './event-type-input.js';

export type EventType = typeof eventTypes.$inferSelect;

/** Settings an event type is created with; only title, slug and duration are required. */
export type NewEventType = {
  title: string;
  slug: string;
  durationMinutes: number;
  description?: string | null;
  hostIds?: readonly string[] | null;
  bufferBeforeMinutes?: number | null;
  bufferAfterMinutes?: number | null;
  minimumNoticeMinutes?: number | null;
  /** Days ahead a booking may start; 90 when omitted. */
  bookingWindowDays?: number | null;
  /** Minutes an unconfirmed PENDING booking holds its slot; null or omitted: until confirmed or cancelled. */
  pendingHoldMinutes?: number | null;
  customFields?: readonly CustomFieldInput[] | null;
  active?: boolean | null;
};

/**
 * Changes to an event type: only the fields given change; hostIds and
 * customFields replace the lists; `description: null` and
 * `pendingHoldMinutes: null` clear them.
 */
export type EventTypeChanges = { [K in keyof NewEventType]?: NewEventType[K] | null };

export const eventTypeCursor = (eventType: EventType) => encodeCursor({ at: eventType.createdAt, id: eventType.id });

/** Oldest first, so new event types join the end and pages stay stable. */
const EVENT_TYPE_ORDER: KeysetOrder = { at: eventTypes.createdAt, id: eventTypes.id, direction: 'asc' };

/** Deleted event types are left out. */
export function listEventTypes(db: Executor, tenant: Tenant, page: PageRequest): Promise<KeysetPage<EventType>> {
  return eventTypesPage(db, tenant, page);
}

// The most read list: built once (src/db/prepared.ts).
const eventTypesPage = preparedKeysetPage(EVENT_TYPE_ORDER, 'event_types_page', (db, { where, orderBy, limit }) =>
  db
    .select()
    .from(eventTypes)
    .where(and(inTenant(eventTypes, TENANT_PLACEHOLDERS), isNull(eventTypes.deletedAt), where))
    .orderBy(...orderBy)
    .limit(limit),
);

/** Finds deleted event types too: bookings keep pointing at them. */
export async function findEventType(db: Executor, tenant: Tenant, id: string): Promise<EventType> {
  const [eventType] = await eventTypeById(db, { ...tenant, id });
  if (!eventType) throw notFound('event type', id);
  return eventType;
}

// Read by every availability request and booking: built once (src/db/prepared.ts).
const eventTypeById = preparedQuery((db) =>
  db
    .select()
    .from(eventTypes)
    .where(and(inTenant(eventTypes, TENANT_PLACEHOLDERS), eq(eventTypes.id, sql.placeholder('id'))))
    .limit(1)
    .prepare('event_type_by_id'),
);

/** A slug names a not-deleted event type; once deleted, its slug is free for a new one. */
export async function findEventTypeBySlug(db: Executor, tenant: Tenant, slug: string): Promise<EventType> {
  if (slug.length > TEXT_LIMITS.slug) throw badUserInput('slug', `must be at most ${TEXT_LIMITS.slug} characters.`);
  const [eventType] = await eventTypeBySlug(db, { ...tenant, slug });
  if (!eventType) throw appError('NOT_FOUND', `No event type with slug "${slug}".`);
  return eventType;
}

// What a public booking page opens with: built once.
const eventTypeBySlug = preparedQuery((db) =>
  db
    .select()
    .from(eventTypes)
    .where(and(inTenant(eventTypes, TENANT_PLACEHOLDERS), eq(eventTypes.slug, sql.placeholder('slug')), isNull(eventTypes.deletedAt)))
    .limit(1)
    .prepare('event_type_by_slug'),
);

async function assertSlugFree(db: Executor, tenant: Tenant, slug: string, exceptId?: string): Promise<void> {
  const taken = await db
    .select({ id: eventTypes.id })
    .from(eventTypes)
    .where(
      and(
        inTenant(eventTypes, tenant),
        eq(eventTypes.slug, slug),
        isNull(eventTypes.deletedAt),
        exceptId ? ne(eventTypes.id, exceptId) : undefined,
      ),
    )
    .limit(1);
  if (taken.length > 0) throw slugTaken(slug);
}

const slugTaken = (slug: string) => badUserInput('slug', `"${slug}" is already used by another event type.`);

/** A concurrent request took the slug between our check and our write. */
function refuseTakenSlug(slug: string | undefined) {
  return (error: unknown): never => {
    if (slug && isUniqueViolation(error, 'event_types_slug_idx')) throw slugTaken(slug);
    throw error;
  };
}

async function replaceHosts(db: Executor, tenant: Tenant, eventTypeId: string, hostIds: readonly string[]): Promise<void> {
  await db.delete(eventTypeHosts).where(and(inTenant(eventTypeHosts, tenant), eq(eventTypeHosts.eventTypeId, eventTypeId)));
  if (hostIds.length === 0) return;
  await db.insert(eventTypeHosts).values(hostIds.map((teamMemberId) => ({ eventTypeId, teamMemberId, ...tenant })));
}

/** Checks every given setting, so nothing is written unless all of it is valid. */
function checkedSettings(input: EventTypeChanges) {
  return {
    ...(input.title != null && { title: checkedTitle(input.title) }),
    ...(input.slug != null && { slug: checkedSlug(input.slug) }),
    ...(input.description !== undefined && { description: checkedDescription(input.description) }),
    ...(input.durationMinutes != null && { durationMinutes: checkedDuration(input.durationMinutes) }),
    ...(input.bufferBeforeMinutes != null && {
      bufferBeforeMinutes: checkedBuffer('bufferBeforeMinutes', input.bufferBeforeMinutes),
    }),
    ...(input.bufferAfterMinutes != null && {
      bufferAfterMinutes: checkedBuffer('bufferAfterMinutes', input.bufferAfterMinutes),
    }),
    ...(input.minimumNoticeMinutes != null && { minimumNoticeMinutes: checkedNotice(input.minimumNoticeMinutes) }),
    ...(input.bookingWindowDays != null && { bookingWindowDays: checkedBookingWindow(input.bookingWindowDays) }),
    ...(input.pendingHoldMinutes !== undefined && { pendingHoldMinutes: checkedPendingHold(input.pendingHoldMinutes) }),
    ...(input.customFields != null && { customFields: validateCustomFieldDefinitions(input.customFields) }),
    ...(input.active != null && { active: input.active }),
  };
}

export async function createEventType(db: Executor, tenant: Tenant, input: NewEventType, now: Date): Promise<EventType> {
  const settings = checkedSettings(input);
  const hostIds = await checkedHostIds(db, tenant, input.hostIds ?? []);
  await assertSlugFree(db, tenant, input.slug);
  return db.transaction(async (tx) => {
    const [eventType] = await tx
      .insert(eventTypes)
      .values({
        id: newId('evtype'),
        ...tenant,
        title: input.title,
        slug: input.slug,
        durationMinutes: input.durationMinutes,
        ...settings,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await replaceHosts(tx, tenant, eventType!.id, hostIds);
    return eventType!;
  }).catch(refuseTakenSlug(input.slug));
}

/** A deleted event type can no longer be changed: its bookings keep it as it was. */
export async function updateEventType(
  db: Executor,
  tenant: Tenant,
  id: string,
  changes: EventTypeChanges,
  now: Date,
): Promise<EventType> {
  const existing = await findEventType(db, tenant, id);
  if (existing.deletedAt) throw badUserInput('id', 'this event type was deleted and can no longer be changed.');
  const settings = checkedSettings(changes);
  const hostIds = changes.hostIds != null ? await checkedHostIds(db, tenant, changes.hostIds) : null;
  if (settings.slug !== undefined) await assertSlugFree(db, tenant, settings.slug, existing.id);
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(eventTypes)
      .set({ ...settings, updatedAt: now })
      .where(and(inTenant(eventTypes, tenant), eq(eventTypes.id, existing.id)))
      .returning();
    if (hostIds) await replaceHosts(tx, tenant, existing.id, hostIds);
    return updated!;
  }).catch(refuseTakenSlug(settings.slug));
}

/**
 * Soft delete: the event type leaves lists and slug lookups and can no longer
 * be booked, but `eventType(id)` and its existing bookings still see it. Its
 * slug becomes free. Deleting it again changes nothing.
 */
export async function deleteEventType(db: Executor, tenant: Tenant, id: string, now: Date): Promise<EventType> {
  const existing = await findEventType(db, tenant, id);
  if (existing.deletedAt) return existing;
  const [deleted] = await db
    .update(eventTypes)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(inTenant(eventTypes, tenant), eq(eventTypes.id, existing.id)))
    .returning();
  return deleted!;
}
