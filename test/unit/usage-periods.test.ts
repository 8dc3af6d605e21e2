import { describe, expect, it } from 'vitest';
import type { UsageLimit } from '../../src/auth/key-state.js';
import { usagePeriodAt } from '../../src/rate-limit/usage-budget.js';

const limit = (refill: UsageLimit['refill'], startedAt = '2030-01-15T09:30:00Z'): UsageLimit => ({
  budgetId: 'key_x',
  requests: 1000,
  refill,
  startedAt: new Date(startedAt),
});
const at = (usage: UsageLimit, iso: string) => {
  const period = usagePeriodAt(usage, new Date(iso));
  return { start: period.start?.toISOString() ?? null, limit: period.limit, refillsAt: period.refillsAt?.toISOString() ?? null };
};

describe('usage periods', () => {
  it('has one period for ever without refill', () => {
    expect(at(limit(null), '2031-06-01T00:00:00Z')).toEqual({ start: null, limit: 1000, refillsAt: null });
  });

  it('starts days at midnight UTC: the first holds `requests`, every later one `amount`', () => {
    const daily = limit({ every: 'DAY', amount: 50 });
    expect(at(daily, '2030-01-15T23:59:59.999Z')).toEqual({ start: '2030-01-15T00:00:00.000Z', limit: 1000, refillsAt: '2030-01-16T00:00:00.000Z' });
    expect(at(daily, '2030-01-16T00:00:00Z')).toEqual({ start: '2030-01-16T00:00:00.000Z', limit: 50, refillsAt: '2030-01-17T00:00:00.000Z' });
  });

  it('starts weeks on Monday, also across a month and a year', () => {
    const weekly = limit({ every: 'WEEK', amount: 7 }, '2030-12-20T00:00:00Z');
    // 2031-01-01 is a Wednesday: its week began on Monday 2030-12-30, in the previous year.
    expect(at(weekly, '2031-01-01T12:00:00Z')).toEqual({ start: '2030-12-30T00:00:00.000Z', limit: 7, refillsAt: '2031-01-06T00:00:00.000Z' });
    // A Sunday belongs to the week that began six days before.
    expect(at(weekly, '2030-12-22T23:00:00Z').start).toBe('2030-12-16T00:00:00.000Z');
  });

  it('starts months on the first, whatever their length, and December rolls into January', () => {
    const monthly = limit({ every: 'MONTH', amount: 30 });
    expect(at(monthly, '2030-01-31T23:00:00Z')).toEqual({ start: '2030-01-01T00:00:00.000Z', limit: 1000, refillsAt: '2030-02-01T00:00:00.000Z' });
    expect(at(monthly, '2030-02-28T23:00:00Z')).toEqual({ start: '2030-02-01T00:00:00.000Z', limit: 30, refillsAt: '2030-03-01T00:00:00.000Z' });
    expect(at(monthly, '2030-12-05T00:00:00Z').refillsAt).toBe('2031-01-01T00:00:00.000Z');
  });
});
