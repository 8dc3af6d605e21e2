/**
 * The slot arithmetic, free of any database: given each host's working hours,
 * bookings and calendar busy time, which start times can be booked and by whom.
 *
 * All instants are epoch milliseconds, intervals are half-open [start, end):
 * a meeting ending at 10:00 and one starting at 10:00 do not overlap.
 */
import { IANAZone } from 'luxon';
import type { Weekday, WorkingHours } from '../../db/schema/team.js';

/**
 * Slots start on every quarter hour. Every real time zone's offset is a
 * multiple of 15 minutes, so this grid is the same in UTC and in any host's or
 * viewer's local time, and a 30-minute meeting can start at 9:00, 9:15, 9:30…
 */
export const SLOT_GRANULARITY_MINUTES = 15;

/**
 * The booking window: nothing starts more than this far ahead, so no date a
 * caller sends can reach past what a schedule means. Longer than the longest
 * minimum notice (a year), so every event type stays bookable.
 */
export const BOOKING_HORIZON_DAYS = 730;

const MINUTE_MS = 60_000;
const GRID_MS = SLOT_GRANULARITY_MINUTES * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

export type Interval = { start: number; end: number };

export type HostSchedule = {
  id: string;
  timeZone: string;
  /** How many bookings the host can hold at the same moment. */
  capacity: number;
  workingHours: readonly WorkingHours[];
  /** Time held by the host's active bookings, each widened by its own event type's buffers. */
  bookings: readonly Interval[];
  /** Busy time from connected calendars; it blocks the host whatever the capacity. */
  calendarBusy: readonly Interval[];
};

export type SlotRules = {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
};

export type Slot = { start: Date; end: Date; availableHosts: string[] };

/** Indexed like Date#getUTCDay: 0 is Sunday. */
const WEEKDAYS_FROM_SUNDAY: readonly Weekday[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

export function isOnSlotGrid(at: Date): boolean {
  return at.getTime() % GRID_MS === 0;
}

/** A calendar date as the UTC midnight of that date: plain arithmetic steps through dates without zone look-ups. */
function calendarDate(at: number, zone: IANAZone): number {
  return Math.floor((at + zone.offset(at) * MINUTE_MS) / DAY_MS) * DAY_MS;
}

/**
 * The instant a wall-clock time (given as if it were UTC) has in the zone.
 * `guess` is an offset likely right (the previous answer's), so a day without
 * a daylight-saving change costs one offset look-up. The same resolution as
 * Luxon's: a wall time skipped by spring forward moves on by the gap (02:30
 * becomes 03:30); a repeated one takes the offset the guess leads to.
 */
function zonedInstant(wall: number, zone: IANAZone, guess: number): { at: number; offset: number } {
  const first = wall - guess * MINUTE_MS;
  const offset = zone.offset(first);
  if (offset === guess) return { at: first, offset };
  const second = first - (offset - guess) * MINUTE_MS;
  const secondOffset = zone.offset(second);
  if (secondOffset === offset) return { at: second, offset };
  return { at: wall - Math.min(offset, secondOffset) * MINUTE_MS, offset: Math.max(offset, secondOffset) };
}

const wallMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/**
 * The host's working windows, as instants, on every local day touching
 * `range`. Windows that touch or overlap are merged, so a meeting may run from
 * a 9–12 window straight into a 12–17 one. "24:00" is the following midnight.
 */
export function workingWindows(host: Pick<HostSchedule, 'timeZone' | 'workingHours'>, range: Interval): Interval[] {
  const zone = IANAZone.create(host.timeZone);
  const windows: Interval[] = [];
  let offset = zone.offset(range.start);
  const instant = (date: number, hhmm: string) => {
    const resolved = zonedInstant(date + wallMinutes(hhmm) * MINUTE_MS, zone, offset);
    offset = resolved.offset;
    return resolved.at;
  };
  const last = calendarDate(range.end, zone);
  // Start a day early: a window on the previous local day may reach into the range.
  for (let date = calendarDate(range.start, zone) - DAY_MS; date <= last; date += DAY_MS) {
    const weekday = WEEKDAYS_FROM_SUNDAY[new Date(date).getUTCDay()];
    for (const hours of host.workingHours) {
      if (hours.weekday !== weekday) continue;
      const start = instant(date, hours.start);
      const end = instant(date, hours.end);
      if (start < end && start < range.end && end > range.start) windows.push({ start, end });
    }
  }
  return mergeIntervals(windows);
}

export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * Start times at which the host cannot take the meeting, as sorted disjoint
 * intervals: where the meeting widened by its buffers would meet calendar busy
 * time, or as many of the host's bookings as their capacity. A meeting starting
 * at s holds [s − before, s + duration + after), which overlaps a busy
 * [b0, b1) exactly when b0 − duration − after < s < b1 + before; a sweep over
 * those spans counts the overlaps at every start at once.
 */
function blockedStarts(host: HostSchedule, rules: SlotRules): Interval[] {
  const reachBack = (rules.durationMinutes + rules.bufferAfterMinutes) * MINUTE_MS;
  const reachForward = rules.bufferBeforeMinutes * MINUTE_MS;
  const edges: Array<[at: number, change: number]> = [];
  const add = (busy: Interval, weight: number) => {
    edges.push([busy.start - reachBack + 1, weight], [busy.end + reachForward, -weight]);
  };
  host.bookings.forEach((booking) => add(booking, 1));
  // Calendar busy time counts as a full house.
  host.calendarBusy.forEach((busy) => add(busy, host.capacity));
  // At equal instants, ends before starts: back-to-back spans never overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const blocked: Interval[] = [];
  let load = 0;
  let fullSince = 0;
  for (const [at, change] of edges) {
    const wasFull = load >= host.capacity;
    load += change;
    const isFull = load >= host.capacity;
    if (!wasFull && isFull) fullSince = at;
    if (wasFull && !isFull && at > fullSince) blocked.push({ start: fullSince, end: at });
  }
  return mergeIntervals(blocked);
}

const isWithin = (intervals: readonly Interval[], at: number) =>
  intervals.some((interval) => interval.start <= at && at < interval.end);

/** The earliest start minimum notice allows. */
const earliestStart = (rules: SlotRules, now: number) => now + rules.minimumNoticeMinutes * MINUTE_MS;

/** The latest start the booking window allows. */
export const horizonEnd = (now: Date) => now.getTime() + BOOKING_HORIZON_DAYS * DAY_MS;

/**
 * Hosts (in the given order) free for a meeting starting exactly at `start`:
 * the whole meeting within working hours (buffers may reach outside them),
 * minimum notice met, on the slot grid, and not blocked (see blockedStarts).
 */
export function hostsFreeAt(hosts: readonly HostSchedule[], rules: SlotRules, start: Date, now: Date): string[] {
  const at = start.getTime();
  if (!isOnSlotGrid(start) || at < earliestStart(rules, now.getTime()) || at > horizonEnd(now)) return [];
  const end = at + rules.durationMinutes * MINUTE_MS;
  const around: Interval = { start: at - DAY_MS, end: end + DAY_MS };
  return hosts
    .filter((host) => workingWindows(host, around).some((window) => window.start <= at && end <= window.end))
    .filter((host) => !isWithin(blockedStarts(host, rules), at))
    .map((host) => host.id);
}

/** Limits on one computation: the most slots to find, and what to await between hosts (src/lib/pace.ts). */
export type SlotSearch = { limit?: number; pause?: () => Promise<void> };

/** The range is worked through a week at a time, so the earliest slots come first and a limit ends the work. */
const CHUNK_MS = 7 * DAY_MS;

/** One host on its way through the range: its blocked starts, and how far through them it is. */
type HostCursor = { host: HostSchedule; blocked: Interval[]; next: number };

/**
 * Every bookable slot starting within [range.start, range.end), in time order,
 * each with the ids of the hosts free for it (sorted by id); at most `limit`,
 * the earliest. It works a week at a time, host by host, awaiting `pause`
 * before each host's week, so a long computation can be stopped (pause
 * throws) and gives way to other requests; it stops once `limit` slots are found.
 */
export async function computeSlots(
  hosts: readonly HostSchedule[],
  rules: SlotRules,
  requested: Interval,
  now: Date,
  search: SlotSearch = {},
): Promise<Slot[]> {
  const { limit = Infinity, pause } = search;
  // Nothing starts past the booking horizon, whatever range was asked for.
  const range = { start: requested.start, end: Math.min(requested.end, horizonEnd(now) + 1) };
  const duration = rules.durationMinutes * MINUTE_MS;
  const earliest = Math.max(range.start, earliestStart(rules, now.getTime()));
  const cursors: HostCursor[] = [];
  const slots: Slot[] = [];
  for (let from = range.start; from < range.end && slots.length < limit; from += CHUNK_MS) {
    const chunk = { start: Math.max(from, earliest), end: Math.min(from + CHUNK_MS, range.end) };
    const hostsByStart = new Map<number, string[]>();
    for (const [i, host] of hosts.entries()) {
      await pause?.();
      cursors[i] ??= { host, blocked: blockedStarts(host, rules), next: 0 };
      addFreeStarts(cursors[i], chunk, duration, hostsByStart);
    }
    for (const [start, ids] of [...hostsByStart.entries()].sort(([a], [b]) => a - b)) {
      slots.push({ start: new Date(start), end: new Date(start + duration), availableHosts: [...new Set(ids)].sort() });
    }
  }
  return slots.slice(0, limit);
}

/** Adds the host's id under every grid start within `chunk` at which it can take the whole meeting. */
function addFreeStarts(cursor: HostCursor, chunk: Interval, duration: number, hostsByStart: Map<number, string[]>): void {
  const { host, blocked } = cursor;
  if (chunk.start >= chunk.end) return;
  for (const window of workingWindows(host, { start: chunk.start, end: chunk.end + duration })) {
    const first = Math.ceil(Math.max(window.start, chunk.start) / GRID_MS) * GRID_MS;
    for (let start = first; start < chunk.end && start + duration <= window.end; start += GRID_MS) {
      // Starts only grow, within a chunk and from one chunk to the next: blocked spans behind us stay behind.
      while (cursor.next < blocked.length && blocked[cursor.next]!.end <= start) cursor.next++;
      if (cursor.next < blocked.length && blocked[cursor.next]!.start <= start) continue;
      const free = hostsByStart.get(start);
      if (free) free.push(host.id);
      else hostsByStart.set(start, [host.id]);
    }
  }
}
