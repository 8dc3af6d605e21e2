import { and, eq, gte, like, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys, auditEvents, bookings, eventTypes, teamMembers } from '../../db/schema/index.js';
import type { Weekday } from '../../db/schema/team.js';
import { inTenant } from '../../db/tenant.js';
import { badUserInput } from '../../lib/errors.js';
import { canonicalTimeZone } from '../../lib/time-zone.js';

export type BookingStatus = (typeof bookings.status.enumValues)[number];

/** The period and zone every figure of one `analytics` answer is computed for. */
export type AnalyticsWindow = { tenant: Tenant; from: Date; to: Date; timeZone: string };

export const MAX_ANALYTICS_DAYS = 366;
const WEEKDAYS: Weekday[] = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

export function analyticsWindow(tenant: Tenant, from: Date, to: Date, timeZone: string): AnalyticsWindow {
  if (!(from < to)) throw badUserInput('to', 'must be later than from.');
  if (to.getTime() - from.getTime() > MAX_ANALYTICS_DAYS * 86_400_000) {
    throw badUserInput('to', `the range may span at most ${MAX_ANALYTICS_DAYS} days.`);
  }
  // The canonical name: the database reads it (AT TIME ZONE) and knows no alias Intl has kept, like US/Pacific-New.
  const zone = canonicalTimeZone(timeZone);
  if (!zone) throw badUserInput('timeZone', `"${timeZone}" is not an IANA time zone.`);
  return { tenant, from, to, timeZone: zone };
}

/** Bookings of the tenant that start within the window: the population every booking figure counts. */
function bookingsIn(window: AnalyticsWindow, ...more: SQL[]): SQL {
  return and(inTenant(bookings, window.tenant), gte(bookings.startAt, window.from), lt(bookings.startAt, window.to), ...more)!;
}

const count = sql<number>`count(*)::int`;

export async function bookingsByStatus(db: Executor, window: AnalyticsWindow): Promise<Map<BookingStatus, number>> {
  const rows = await db
    .select({ status: bookings.status, count })
    .from(bookings)
    .where(bookingsIn(window))
    .groupBy(bookings.status);
  const counts = new Map<BookingStatus, number>(bookings.status.enumValues.map((status) => [status, 0]));
  for (const row of rows) counts.set(row.status, row.count);
  return counts;
}

/** Null when there is nothing to divide by, rather than a misleading 0. */
export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export async function bookingsPerEventType(db: Executor, window: AnalyticsWindow) {
  return db
    .select({ eventType: eventTypes, count })
    .from(bookings)
    .innerJoin(eventTypes, eq(eventTypes.id, bookings.eventTypeId))
    .where(bookingsIn(window))
    .groupBy(eventTypes.id)
    .orderBy(sql`count(*) desc`, eventTypes.id);
}

export async function bookingsPerHost(db: Executor, window: AnalyticsWindow) {
  return db
    .select({ host: teamMembers, count })
    .from(bookings)
    .innerJoin(teamMembers, eq(teamMembers.id, bookings.hostId))
    .where(bookingsIn(window))
    .groupBy(teamMembers.id)
    .orderBy(sql`count(*) desc`, teamMembers.id);
}

export type BusyTimes = { byWeekday: { weekday: Weekday; count: number }[]; byHour: { hour: number; count: number }[] };

/**
 * When bookings happen, on the wall clock of the requested zone (so "Monday
 * 9:00" means the same across daylight-saving changes). Cancelled and expired
 * bookings took no one's time and are left out.
 */
export async function busyTimes(db: Executor, window: AnalyticsWindow): Promise<BusyTimes> {
  const local = sql`(${bookings.startAt} at time zone ${window.timeZone})`;
  const rows = await db
    .select({ isoWeekday: sql<number>`extract(isodow from ${local})::int`, hour: sql<number>`extract(hour from ${local})::int`, count })
    .from(bookings)
    .where(bookingsIn(window, notInArray(bookings.status, ['CANCELLED', 'EXPIRED'])))
    .groupBy(sql`1`, sql`2`);
  const byWeekday = WEEKDAYS.map((weekday) => ({ weekday, count: 0 }));
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0 }));
  for (const row of rows) {
    byWeekday[row.isoWeekday - 1]!.count += row.count;
    byHour[row.hour]!.count += row.count;
  }
  return { byWeekday, byHour };
}

/** The entry with the highest count (the earliest on a tie), or null when all are zero. */
export function busiest<T extends { count: number }>(entries: readonly T[]): T | null {
  return entries.reduce<T | null>((best, entry) => (entry.count > (best?.count ?? 0) ? entry : best), null);
}

export type KeyRequests = { apiKeyId: string; name: string | null; requests: number; denied: number; errors: number };

/** GraphQL requests per key in the window, from the request audit records. */
export async function apiRequestsPerKey(db: Executor, window: AnalyticsWindow): Promise<KeyRequests[]> {
  return db
    .select({
      apiKeyId: sql<string>`${auditEvents.apiKeyId}`,
      name: apiKeys.name,
      requests: count,
      denied: sql<number>`(count(*) filter (where ${auditEvents.outcome} = 'denied'))::int`,
      errors: sql<number>`(count(*) filter (where ${auditEvents.outcome} = 'error'))::int`,
    })
    .from(auditEvents)
    .leftJoin(apiKeys, eq(apiKeys.id, auditEvents.apiKeyId))
    .where(
      and(
        inTenant(auditEvents, window.tenant),
        like(auditEvents.action, 'graphql.%'),
        sql`${auditEvents.apiKeyId} is not null`,
        gte(auditEvents.createdAt, window.from),
        lt(auditEvents.createdAt, window.to),
      ),
    )
    .groupBy(auditEvents.apiKeyId, apiKeys.name)
    .orderBy(sql`count(*) desc`, auditEvents.apiKeyId);
}
