/** Validation of what a team member is created or changed with; errors name the offending input field. */
import type { Weekday, WorkingHours } from '../../db/schema/team.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { canonicalTimeZone } from '../../lib/time-zone.js';

export const WEEKDAYS: readonly Weekday[] = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 100;
export const MAX_WINDOWS = 50;

/** "HH:MM", 24-hour; "24:00" only as an end, meaning the following midnight. */
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

export function checkedName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > TEXT_LIMITS.name) throw badUserInput('name', `must be 1 to ${TEXT_LIMITS.name} characters.`);
  return trimmed;
}

/** Lower-cased, so the same person cannot be added twice by spelling their address differently. */
export function checkedEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (normalised.length > TEXT_LIMITS.email || !EMAIL.test(normalised)) throw badUserInput('email', 'must be an email address.');
  return normalised;
}

export function checkedTimeZone(timeZone: string, field = 'timeZone'): string {
  const canonical = canonicalTimeZone(timeZone);
  if (!canonical) throw badUserInput(field, `"${timeZone}" is not an IANA time zone such as "Europe/Berlin".`);
  return canonical;
}

export function checkedCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
    throw badUserInput('capacity', `must be a whole number from ${MIN_CAPACITY} to ${MAX_CAPACITY}.`);
  }
  return capacity;
}

/**
 * Weekly windows in the member's zone. A window cannot cross midnight (split
 * it in two: 22:00–24:00 and 00:00–02:00 the next day), and windows on the same
 * weekday may not overlap, so each hour is stated once.
 */
export function checkedWorkingHours(windows: readonly WorkingHours[]): WorkingHours[] {
  if (windows.length > MAX_WINDOWS) throw badUserInput('workingHours', `at most ${MAX_WINDOWS} windows.`);
  const checked = windows.map((window, index) => {
    const at = `workingHours[${index}]`;
    if (!WEEKDAYS.includes(window.weekday)) throw badUserInput(`${at}.weekday`, `must be one of ${WEEKDAYS.join(', ')}.`);
    if (!TIME.test(window.start)) throw badUserInput(`${at}.start`, 'must be "HH:MM" from 00:00 to 23:59.');
    if (!TIME.test(window.end) && window.end !== '24:00') throw badUserInput(`${at}.end`, 'must be "HH:MM" from 00:01 to 24:00.');
    if (minutesOf(window.start) >= minutesOf(window.end)) throw badUserInput(`${at}.end`, 'must be later than start.');
    return { weekday: window.weekday, start: window.start, end: window.end };
  });
  for (const weekday of WEEKDAYS) {
    const sameDay = checked.filter((window) => window.weekday === weekday).sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
    for (let i = 1; i < sameDay.length; i++) {
      if (minutesOf(sameDay[i]!.start) < minutesOf(sameDay[i - 1]!.end)) {
        throw badUserInput('workingHours', `windows on ${weekday} overlap.`);
      }
    }
  }
  return WEEKDAYS.flatMap((weekday) =>
    checked.filter((window) => window.weekday === weekday).sort((a, b) => minutesOf(a.start) - minutesOf(b.start)),
  );
}
