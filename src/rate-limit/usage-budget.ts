import type { UsageLimit, UsageRefillPeriod } from '../auth/key-state.js';

/** A usage budget as of one moment: the period being spent and what it holds. */
export type UsagePeriod = {
  budgetId: string;
  /** Start of the refill period being spent; null for a budget that is never refilled. */
  start: Date | null;
  /** Requests the period holds: the budget's `requests` in its first period, the refill's `amount` in every later one. */
  limit: number;
  /** When the next period starts (and the budget is refilled); null without refill. */
  refillsAt: Date | null;
};

/** What `ApiKey.usage` shows. */
export type KeyUsage = { limit: number; remaining: number; refillsAt: Date | null };

/**
 * The period of a usage limit that `at` falls in. Periods are calendar
 * periods in UTC (a day from midnight, an ISO week from Monday, a month from
 * its first), the same for every instance, so a counter can be keyed by its
 * period's start. A period that starts before the budget began is its first.
 */
export function usagePeriodAt(usage: UsageLimit, at: Date): UsagePeriod {
  if (!usage.refill) return { budgetId: usage.budgetId, start: null, limit: usage.requests, refillsAt: null };
  const start = periodStart(usage.refill.every, at);
  const first = start.getTime() <= periodStart(usage.refill.every, usage.startedAt).getTime();
  return {
    budgetId: usage.budgetId,
    start,
    limit: first ? usage.requests : usage.refill.amount,
    refillsAt: nextPeriodStart(usage.refill.every, start),
  };
}

export function periodStart(every: UsageRefillPeriod, at: Date): Date {
  const [year, month, day] = [at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()];
  switch (every) {
    case 'DAY':
      return new Date(Date.UTC(year, month, day));
    case 'WEEK':
      // getUTCDay() counts from Sunday; ISO weeks start on Monday.
      return new Date(Date.UTC(year, month, day - ((at.getUTCDay() + 6) % 7)));
    case 'MONTH':
      return new Date(Date.UTC(year, month, 1));
  }
}

function nextPeriodStart(every: UsageRefillPeriod, start: Date): Date {
  const [year, month, day] = [start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()];
  switch (every) {
    case 'DAY':
      return new Date(Date.UTC(year, month, day + 1));
    case 'WEEK':
      return new Date(Date.UTC(year, month, day + 7));
    case 'MONTH':
      return new Date(Date.UTC(year, month + 1, 1));
  }
}
