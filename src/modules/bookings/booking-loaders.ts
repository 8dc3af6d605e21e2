/**
 * Per-request batching for the objects a booking points at, so a page of 200
 * bookings with host, event type, creator key and history costs one query per
 * kind of object instead of one per booking.
 */
import DataLoader from 'dataloader';
import { byId, perRequest } from '../../lib/loaders.js';
import { and, asc, eq } from 'drizzle-orm';
import { apiKeys, bookingEvents, eventTypes, teamMembers } from '../../db/schema/index.js';
import { inTextList } from '../../db/in-list.js';
import { inTenant } from '../../db/tenant.js';
import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';

/** What the loaders read: one request's database handle and tenant (the GraphQL context has both). */
type RequestScope = { db: Executor; tenant: Tenant };
import type { BookingEvent } from './bookings.service.js';

export type KeyReference = { id: string; preview: string };

function createLoaders({ db, tenant }: RequestScope) {
  return {
    // Deleted event types included: existing bookings keep pointing at them.
    eventType: new DataLoader(async (ids: readonly string[]) =>
      byId(ids, await db.select().from(eventTypes).where(and(inTenant(eventTypes, tenant), inTextList(eventTypes.id, ids)))),
    ),
    teamMember: new DataLoader(async (ids: readonly string[]) =>
      byId(ids, await db.select().from(teamMembers).where(and(inTenant(teamMembers, tenant), inTextList(teamMembers.id, ids)))),
    ),
    keyReference: new DataLoader(async (ids: readonly string[]) =>
      byId<KeyReference>(
        ids,
        await db
          .select({ id: apiKeys.id, preview: apiKeys.preview })
          .from(apiKeys)
          .where(and(eq(apiKeys.organizationId, tenant.organizationId), inTextList(apiKeys.id, ids))),
      ),
    ),
    history: new DataLoader(async (bookingIds: readonly string[]) => {
      const rows = await db
        .select()
        .from(bookingEvents)
        .where(and(inTenant(bookingEvents, tenant), inTextList(bookingEvents.bookingId, bookingIds)))
        .orderBy(asc(bookingEvents.sequence));
      const grouped = new Map<string, BookingEvent[]>(bookingIds.map((id) => [id, []]));
      for (const row of rows) grouped.get(row.bookingId)?.push(row);
      return bookingIds.map((id) => grouped.get(id)!);
    }),
  };
}

export type BookingLoaders = ReturnType<typeof createLoaders>;

/** The loaders of this request; made on first use, gone with the request. */
export const bookingLoaders = perRequest(createLoaders);
