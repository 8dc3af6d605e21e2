import { badUserInput } from '../../lib/errors.js';
import type { Interval } from './slots.js';

/** Longest span one availability or free/busy request may cover. */
export const MAX_RANGE_DAYS = 62;

/** Checks a requested [from, to) span: in order, and at most MAX_RANGE_DAYS long. */
export function requestedRange(from: Date, to: Date): Interval {
  const start = from.getTime();
  const end = to.getTime();
  if (start >= end) throw badUserInput('to', 'must be later than from.');
  if (end - start > MAX_RANGE_DAYS * 24 * 60 * 60_000) {
    throw badUserInput('to', `the range from from to to may be at most ${MAX_RANGE_DAYS} days.`);
  }
  return { start, end };
}
