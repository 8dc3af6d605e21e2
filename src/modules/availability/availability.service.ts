/**
 * Availability on the database: loads hosts, their active bookings and calendar
 * busy time, and hands them to the pure slot arithmetic in slots.ts. A
 * request's calls spend from its host-day budget before loading anything,
 * and stop computing when its signal aborts.
 *
 * Every function takes `db` as a database or a transaction, so bookings can
 * re-check a slot inside the transaction that holds the host's row lock.
 */
import { and, asc, eq, gt, inArray, isNull, lt, ne, or } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { bookings, eventTypeHosts, eventTypes, teamMembers } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { pacer } from '../../lib/pace.js';
import type { HostDayBudget } from '../../rate-limit/host-day-budget.js';
import { calendarBusyIntervals } from '../calendars/calendar-busy.js';
import type { EventType } from '../event-types/event-types.service.js';
import { EVENT_TYPE_LIMITS } from '../event-types/limits.js';
import { daysIn, MAX_SLOTS } from './range.js';
import { computeSlots, hostsFreeAt, type HostSchedule, type Interval, type Slot } from './slots.js';

type TeamMember = typeof teamMembers.$inferSelect;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Statuses that hold a host's time. COMPLETED and NO_SHOW lie in the past;
 * CANCELLED and EXPIRED free it. A PENDING booking holds only until its hold
 * lapses (see heldBookings).
 */
export const CAPACITY_HOLDING_STATUSES = ['PENDING', 'CONFIRMED'] as const;

/**
 * The latest start the event type's booking window allows: `bookingWindowDays`
 * days of 24 hours after now. Later starts are neither offered nor booked.
 */
export const latestStart = (eventType: EventType, now: Date): Date =>
  new Date(now.getTime() + eventType.bookingWindowDays * DAY_MS);

export type AvailabilityOptions = {
  /** Leave this booking out of the count (rescheduling a booking must not collide with itself). */
  excludeBookingId?: string;
  /** Consider only these hosts (those that are not hosts of the event type are ignored). */
  hostIds?: string[];
};

/** What bounds one request's scheduling work; both optional for callers outside a request. */
export type ScheduleWork = {
  /** Stops the computation: the request's deadline passed or its client went away. */
  signal?: AbortSignal;
  /** The request's host-day budget (AVAILABILITY_MAX_HOST_DAYS), spent before any schedule is loaded. */
  budget?: HostDayBudget;
};

/** A held booking: its own times, and the span it blocks including its event type's buffers. */
type HeldBooking = { hostId: string; startAt: Date; held: Interval };

const isBookable = (eventType: EventType) => eventType.active && eventType.deletedAt === null;

const rulesOf = (eventType: EventType) => ({
  durationMinutes: eventType.durationMinutes,
  bufferBeforeMinutes: eventType.bufferBeforeMinutes,
  bufferAfterMinutes: eventType.bufferAfterMinutes,
  minimumNoticeMinutes: eventType.minimumNoticeMinutes,
});

/** The event type's active hosts, by id; deactivated team members host nothing. */
export async function activeHostsOf(
  db: Executor,
  tenant: Tenant,
  eventTypeId: string,
  onlyHostIds?: readonly string[],
): Promise<TeamMember[]> {
  if (onlyHostIds && onlyHostIds.length === 0) return [];
  const rows = await db
    .select({ member: teamMembers })
    .from(eventTypeHosts)
    .innerJoin(teamMembers, eq(teamMembers.id, eventTypeHosts.teamMemberId))
    .where(
      and(
        inTenant(eventTypeHosts, tenant),
        eq(eventTypeHosts.eventTypeId, eventTypeId),
        inTenant(teamMembers, tenant),
        eq(teamMembers.active, true),
        onlyHostIds ? inArray(teamMembers.id, [...onlyHostIds]) : undefined,
      ),
    )
    .orderBy(asc(teamMembers.id));
  return rows.map((row) => row.member);
}

/**
 * The members' PENDING and CONFIRMED bookings whose buffered span overlaps
 * `range`. A booking blocks [startAt − bufferBefore, endAt + bufferAfter] of
 * its own event type, so a long buffer on one event type protects its meetings
 * from every other event type too. A PENDING booking whose hold lapsed by
 * `now` holds nothing, even before the expiry sweep has marked it EXPIRED.
 */
export async function heldBookings(
  db: Executor,
  tenant: Tenant,
  memberIds: readonly string[],
  range: Interval,
  now: Date,
  excludeBookingId?: string,
): Promise<HeldBooking[]> {
  if (memberIds.length === 0) return [];
  const reach = EVENT_TYPE_LIMITS.maxBufferMinutes * MINUTE_MS;
  const rows = await db
    .select({
      id: bookings.id,
      hostId: bookings.hostId,
      startAt: bookings.startAt,
      endAt: bookings.endAt,
      bufferBeforeMinutes: eventTypes.bufferBeforeMinutes,
      bufferAfterMinutes: eventTypes.bufferAfterMinutes,
    })
    .from(bookings)
    .innerJoin(eventTypes, eq(eventTypes.id, bookings.eventTypeId))
    .where(
      and(
        inTenant(bookings, tenant),
        inArray(bookings.hostId, [...memberIds]),
        inArray(bookings.status, [...CAPACITY_HOLDING_STATUSES]),
        or(isNull(bookings.expiresAt), gt(bookings.expiresAt, now), ne(bookings.status, 'PENDING')),
        lt(bookings.startAt, new Date(range.end + reach)),
        gt(bookings.endAt, new Date(range.start - reach)),
        excludeBookingId ? ne(bookings.id, excludeBookingId) : undefined,
      ),
    );
  return rows
    .map((row) => ({
      hostId: row.hostId!,
      startAt: row.startAt,
      held: {
        start: row.startAt.getTime() - row.bufferBeforeMinutes * MINUTE_MS,
        end: row.endAt.getTime() + row.bufferAfterMinutes * MINUTE_MS,
      },
    }))
    .filter((booking) => booking.held.start < range.end && booking.held.end > range.start);
}

async function schedulesOf(
  db: Executor,
  tenant: Tenant,
  hosts: readonly TeamMember[],
  range: Interval,
  now: Date,
  excludeBookingId?: string,
): Promise<{ schedules: HostSchedule[]; held: HeldBooking[] }> {
  const ids = hosts.map((host) => host.id);
  const held = await heldBookings(db, tenant, ids, range, now, excludeBookingId);
  const busy = await calendarBusyIntervals(db, tenant, ids, new Date(range.start), new Date(range.end));
  const schedules = hosts.map((host) => ({
    id: host.id,
    timeZone: host.timeZone,
    capacity: host.capacity,
    workingHours: host.workingHours,
    bookings: held.filter((booking) => booking.hostId === host.id).map((booking) => booking.held),
    calendarBusy: (busy.get(host.id) ?? []).map((interval) => ({
      start: interval.start.getTime(),
      end: interval.end.getTime(),
    })),
  }));
  return { schedules, held };
}

/**
 * Bookable slots of an event type starting within `range` (see slots.ts for
 * the rules) and within its booking window: at most MAX_SLOTS, the earliest.
 * An inactive or deleted event type has none. The call costs the days of the
 * range (cut to the booking window) × the event type's active hosts from
 * `work.budget`, and the computation stops when `work.signal` aborts.
 */
export async function availableSlots(
  db: Executor,
  tenant: Tenant,
  eventType: EventType,
  requested: Interval,
  now: Date,
  work: ScheduleWork = {},
): Promise<Slot[]> {
  // A slot may start exactly at the window's end, hence the millisecond.
  const range = { start: requested.start, end: Math.min(requested.end, latestStart(eventType, now).getTime() + 1) };
  if (!isBookable(eventType) || range.start >= range.end) return [];
  const hosts = await activeHostsOf(db, tenant, eventType.id);
  if (hosts.length === 0) return [];
  work.budget?.spend({
    field: 'availability',
    days: daysIn(range),
    hosts: hosts.length,
    argument: 'to',
    advice: 'Ask for a shorter range (from, to).',
  });
  const rules = rulesOf(eventType);
  // Slots near the edges hold time outside the range: their buffers, and the meeting running past `to`.
  const around = {
    start: range.start - rules.bufferBeforeMinutes * MINUTE_MS,
    end: range.end + (rules.durationMinutes + rules.bufferAfterMinutes) * MINUTE_MS,
  };
  const { schedules } = await schedulesOf(db, tenant, hosts, around, now);
  return computeSlots(schedules, rules, range, now, { limit: MAX_SLOTS, pause: pacer(work.signal) });
}

/**
 * THE contract bookings rely on: the ids of the event type's hosts who can take
 * a booking starting at `startAt` — the whole meeting within their working
 * hours, minimum notice met, within the booking window, `startAt` on the
 * 15-minute slot grid, no calendar busy time within the buffered span, and
 * fewer overlapping PENDING (hold not lapsed) and CONFIRMED bookings (buffers
 * included) than their capacity. Ordered for fair
 * assignment: fewest bookings on that local day first, then by id. Empty for
 * an inactive or deleted event type. Works inside a transaction passed as `db`.
 */
export async function availableHostsAt(
  db: Executor,
  tenant: Tenant,
  eventType: EventType,
  startAt: Date,
  now: Date,
  options: AvailabilityOptions = {},
): Promise<string[]> {
  if (!isBookable(eventType) || startAt > latestStart(eventType, now)) return [];
  const hosts = await activeHostsOf(db, tenant, eventType.id, options.hostIds);
  if (hosts.length === 0) return [];
  const at = startAt.getTime();
  // Two days either side cover the host's whole local day (which may last 25 hours).
  const around = { start: at - 2 * DAY_MS, end: at + 2 * DAY_MS };
  const { schedules, held } = await schedulesOf(db, tenant, hosts, around, now, options.excludeBookingId);
  const free = new Set(hostsFreeAt(schedules, rulesOf(eventType), startAt, now));
  const load = (host: TeamMember) => {
    const day = DateTime.fromJSDate(startAt, { zone: host.timeZone }).toISODate();
    return held.filter(
      (booking) => booking.hostId === host.id && DateTime.fromJSDate(booking.startAt, { zone: host.timeZone }).toISODate() === day,
    ).length;
  };
  return hosts
    .filter((host) => free.has(host.id))
    .map((host) => ({ id: host.id, load: load(host) }))
    .sort((a, b) => a.load - b.load || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((host) => host.id);
}
