import { badUserInput } from '../../lib/errors.js';
import type { Interval } from './slots.js';

/** Longest span one availability or free/busy request may cover. */
export const MAX_RANGE_DAYS = 62;

/**
 * Most slots one availability call returns: the earliest. A month of a
 * nine-to-five host's half-hour meetings is about 700; a client that gets
 * exactly this many asks again from after the last one.
 */
export const MAX_SLOTS = 1000;

/** Most busy intervals free/busy returns per member: the earliest (eight a day over the longest range). */
export const MAX_BUSY_PER_MEMBER = 500;

const DAY_MS = 24 * 60 * 60_000;

/** Checks a requested [from, to) span: in order, and at most MAX_RANGE_DAYS long. */
export function requestedRange(from: Date, to: Date): Interval {
  const start = from.getTime();
  const end = to.getTime();
  if (start >= end) throw badUserInput('to', 'must be later than from.');
  if (end - start > MAX_RANGE_DAYS * DAY_MS) {
    throw badUserInput('to', `the range from from to to may be at most ${MAX_RANGE_DAYS} days.`);
  }
  return { start, end };
}

/** Days a range touches, counting a part of a day as a day: what its cost is counted in. */
export const daysIn = (range: Interval): number => Math.max(1, Math.ceil((range.end - range.start) / DAY_MS));
