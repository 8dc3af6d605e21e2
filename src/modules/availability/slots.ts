/**
 * The slot arithmetic, free of any database: given each host's working hours,
 * bookings and calendar busy time, which start times can be booked and by whom.
 *
 * All instants are epoch milliseconds, intervals are half-open [start, end):
 * a meeting ending at 10:00 and one starting at 10:00 do not overlap.
 */
import { DateTime } from 'luxon';
import type { Weekday, WorkingHours } from '../../db/schema/team.js';

/**
 * Slots start on every quarter hour. Every real time zone's offset is a
 * multiple of 15 minutes, so this grid is the same in UTC and in any host's or
 * viewer's local time, and a 30-minute meeting can start at 9:00, 9:15, 9:30…
 */
export const SLOT_GRANULARITY_MINUTES = 15;

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

/** Luxon numbers weekdays 1 (Monday) to 7 (Sunday). */
const WEEKDAYS: readonly Weekday[] = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

export function isOnSlotGrid(at: Date): boolean {
  return at.getTime() % GRID_MS === 0;
}

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

/** "HH:MM" on a local date, in the date's zone. "24:00" is the next midnight. */
function localTime(date: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  if (hour === 24) return date.plus({ days: 1 }).startOf('day');
  // A time skipped by a spring-forward change moves forward by the gap (02:30 becomes 03:30).
  return DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: date.zone });
}

/**
 * The host's working windows, as instants, on every local day touching
 * `range`. Windows that touch or overlap are merged, so a meeting may run from
 * a 9–12 window straight into a 12–17 one.
 */
export function workingWindows(host: Pick<HostSchedule, 'timeZone' | 'workingHours'>, range: Interval): Interval[] {
  const windows: Interval[] = [];
  const lastDay = DateTime.fromMillis(range.end, { zone: host.timeZone }).endOf('day');
  // Start a day early: a window on the previous local day may reach into the range.
  let day = DateTime.fromMillis(range.start, { zone: host.timeZone }).startOf('day').minus({ days: 1 });
  while (day <= lastDay) {
    const weekday = WEEKDAYS[day.weekday - 1];
    for (const hours of host.workingHours) {
      if (hours.weekday !== weekday) continue;
      const start = localTime(day, hours.start).toMillis();
      const end = localTime(day, hours.end).toMillis();
      if (start < end && start < range.end && end > range.start) windows.push({ start, end });
    }
    day = day.plus({ days: 1 });
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
 * Whether the host is free for a meeting starting at `start`: the meeting lies
 * within working hours, and the meeting widened by its buffers meets no
 * calendar busy time and fewer of the host's bookings than their capacity.
 * Buffers may reach outside working hours (preparing before 9:00 is allowed).
 */
function hostFree(host: HostSchedule, windows: readonly Interval[], rules: SlotRules, start: number): boolean {
  const end = start + rules.durationMinutes * MINUTE_MS;
  if (!windows.some((window) => window.start <= start && end <= window.end)) return false;
  const held: Interval = {
    start: start - rules.bufferBeforeMinutes * MINUTE_MS,
    end: end + rules.bufferAfterMinutes * MINUTE_MS,
  };
  if (host.calendarBusy.some((busy) => overlaps(busy, held))) return false;
  let overlapping = 0;
  for (const booking of host.bookings) if (overlaps(booking, held)) overlapping++;
  return overlapping < host.capacity;
}

/** The earliest start minimum notice allows. */
const earliestStart = (rules: SlotRules, now: number) => now + rules.minimumNoticeMinutes * MINUTE_MS;

/** Hosts (in the given order) free for a meeting starting exactly at `start`. */
export function hostsFreeAt(hosts: readonly HostSchedule[], rules: SlotRules, start: Date, now: Date): string[] {
  const at = start.getTime();
  if (!isOnSlotGrid(start) || at < earliestStart(rules, now.getTime())) return [];
  const around: Interval = { start: at - DAY_MS, end: at + rules.durationMinutes * MINUTE_MS + DAY_MS };
  return hosts.filter((host) => hostFree(host, workingWindows(host, around), rules, at)).map((host) => host.id);
}

/**
 * Every bookable slot starting within [range.start, range.end), in time order,
 * each with the ids of the hosts free for it (sorted by id).
 */
export function computeSlots(hosts: readonly HostSchedule[], rules: SlotRules, range: Interval, now: Date): Slot[] {
  const duration = rules.durationMinutes * MINUTE_MS;
  const earliest = Math.max(range.start, earliestStart(rules, now.getTime()));
  const hostsByStart = new Map<number, string[]>();
  for (const host of hosts) {
    const windows = workingWindows(host, { start: range.start, end: range.end + duration });
    for (const window of windows) {
      const first = Math.ceil(Math.max(window.start, earliest) / GRID_MS) * GRID_MS;
      for (let start = first; start < range.end && start + duration <= window.end; start += GRID_MS) {
        if (!hostFree(host, windows, rules, start)) continue;
        const free = hostsByStart.get(start);
        if (free) free.push(host.id);
        else hostsByStart.set(start, [host.id]);
      }
    }
  }
  return [...hostsByStart.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, ids]) => ({
      start: new Date(start),
      end: new Date(start + duration),
      availableHosts: [...new Set(ids)].sort(),
    }));
}
