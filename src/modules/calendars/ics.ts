import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';

export type BusyInterval = { start: Date; end: Date };

/** Not an iCalendar feed, or not one we can read: lastError `invalid_feed`; the message is for the log. */
export class FeedFormatError extends Error {}

/** All availability needs from an event; titles, descriptions, attendees are dropped. */
const KEPT_EVENT_PROPERTIES = new Set(['uid', 'dtstart', 'dtend', 'duration', 'rrule', 'rdate', 'exdate', 'recurrence-id', 'transp', 'status']);
/** Bounds the work one runaway rule (FREQ=MINUTELY for years) can cause. */
const MAX_OCCURRENCES_PER_EVENT = 20_000;
/** An exception may move an occurrence from just past the window into it. */
const LOOKAHEAD_MS = 7 * 86_400_000;

/**
 * Parses a fetched feed and keeps only its time zones and the time-related
 * properties of its events, as an iCalendar text we can store and parse again.
 */
export function reduceFeed(text: string): string {
  let root: ICAL.Component;
  try {
    const parsed = ICAL.parse(text);
    // Several top-level components parse into a list of them; a feed has one calendar.
    root = new ICAL.Component((Array.isArray(parsed[0]) ? parsed[0] : parsed) as never);
  } catch {
    throw new FeedFormatError('not an iCalendar feed');
  }
  if (root.name !== 'vcalendar') throw new FeedFormatError('not an iCalendar feed (no VCALENDAR)');
  const reduced = new ICAL.Component('vcalendar');
  reduced.addPropertyWithValue('version', '2.0');
  reduced.addPropertyWithValue('prodid', '-//Tessera//busy snapshot//EN');
  for (const zone of root.getAllSubcomponents('vtimezone')) reduced.addSubcomponent(zone);
  for (const event of root.getAllSubcomponents('vevent')) {
    if (!event.hasProperty('dtstart')) continue;
    const slim = new ICAL.Component('vevent');
    // A copy: addProperty moves the property out of the list being read.
    for (const property of [...event.getAllProperties()]) {
      if (KEPT_EVENT_PROPERTIES.has(property.name)) slim.addProperty(property);
    }
    reduced.addSubcomponent(slim);
  }
  return reduced.toString();
}

/** Recurring masters with their exceptions attached, plus one-off events. */
export function parseSnapshot(snapshot: string): ICAL.Event[] {
  const root = new ICAL.Component(ICAL.parse(snapshot) as never);
  const components = root.getAllSubcomponents('vevent');
  const uidOf = (component: ICAL.Component) => String(component.getFirstPropertyValue('uid') ?? '');
  const masters = new Set(components.filter((c) => !c.hasProperty('recurrence-id')).map(uidOf));
  const exceptions = new Map<string, ICAL.Component[]>();
  for (const component of components.filter((c) => c.hasProperty('recurrence-id') && masters.has(uidOf(c)))) {
    exceptions.set(uidOf(component), [...(exceptions.get(uidOf(component)) ?? []), component]);
  }
  return components
    .filter((c) => !c.hasProperty('recurrence-id') || !masters.has(uidOf(c)))
    .map((c) => new ICAL.Event(c, { strictExceptions: true, exceptions: exceptions.get(uidOf(c)) ?? [] }));
}

/**
 * Busy time from parsed events within [from, to). Transparent ("show me as
 * free") and cancelled events block nothing. Floating times and all-day dates
 * are read in the event's TZID when it names a known zone, else in the
 * member's own zone.
 */
export function busyIntervals(events: readonly ICAL.Event[], from: Date, to: Date, memberZone: string): BusyInterval[] {
  const out: BusyInterval[] = [];
  const fromMs = from.getTime();
  const toMs = to.getTime();
  for (const event of events) {
    const zone = floatingZoneOf(event, memberZone);
    const add = (item: ICAL.Event, start: ICAL.Time, end: ICAL.Time) => {
      if (!blocksTime(item)) return;
      const startMs = instantOf(start, zone);
      const endMs = instantOf(end, zone);
      if (endMs > fromMs && startMs < toMs && endMs > startMs) out.push({ start: new Date(startMs), end: new Date(endMs) });
    };
    if (!event.isRecurring()) {
      add(event, event.startDate, event.endDate);
      continue;
    }
    const occurrences = event.iterator();
    for (let n = 0, next = occurrences.next(); next && n < MAX_OCCURRENCES_PER_EVENT; n++, next = occurrences.next()) {
      if (instantOf(next, zone) >= toMs + LOOKAHEAD_MS) break;
      const details = event.getOccurrenceDetails(next);
      add(details.item, details.startDate, details.endDate);
    }
  }
  return out;
}

function blocksTime(item: ICAL.Event): boolean {
  const transparency = String(item.component.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(item.component.getFirstPropertyValue('status') ?? '').toUpperCase();
  return transparency !== 'TRANSPARENT' && status !== 'CANCELLED';
}

function floatingZoneOf(event: ICAL.Event, memberZone: string): string {
  const tzid = event.component.getFirstProperty('dtstart')?.getParameter('tzid');
  return typeof tzid === 'string' && IANAZone.isValidZone(tzid) ? tzid : memberZone;
}

function instantOf(time: ICAL.Time, floatingZone: string): number {
  const zoned = !time.isDate && time.zone && time.zone.tzid !== 'floating';
  if (zoned) return time.toUnixTime() * 1000;
  return DateTime.fromObject(
    { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second },
    { zone: floatingZone },
  ).toMillis();
}

/** Sorted, with overlapping and touching intervals joined. */
export function mergeIntervals(intervals: readonly BusyInterval[]): BusyInterval[] {
  const sorted = [...intervals].sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: BusyInterval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start.getTime() <= last.end.getTime()) {
      if (interval.end > last.end) last.end = interval.end;
    } else {
      merged.push({ start: interval.start, end: interval.end });
    }
  }
  return merged;
}
