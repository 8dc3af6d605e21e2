import type { AppError } from '../../src/lib/errors.js';
import { describe, expect, it } from 'vitest';
import { checkedCapacity, checkedTimeZone, checkedWorkingHours } from '../../src/modules/team/team-input.js';

function refusedField(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    return (error as AppError).details.field as string;
  }
  throw new Error('expected a BAD_USER_INPUT error');
}

describe('team member input', () => {
  it('accepts IANA zones and stores their canonical name', () => {
    expect(checkedTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(checkedTimeZone('america/new_york')).toBe('America/New_York');
  });

  it.each(['Mars/Olympus_Mons', '+01:00', 'CET+1', ''])('refuses %j as a time zone', (zone) => {
    expect(refusedField(() => checkedTimeZone(zone))).toBe('timeZone');
  });

  it.each([0, 101, 1.5])('refuses a capacity of %s', (capacity) => {
    expect(refusedField(() => checkedCapacity(capacity))).toBe('capacity');
  });

  it('accepts windows up to 24:00 and orders them by weekday and time', () => {
    expect(
      checkedWorkingHours([
        { weekday: 'TUESDAY', start: '09:00', end: '12:00' },
        { weekday: 'MONDAY', start: '13:00', end: '24:00' },
        { weekday: 'MONDAY', start: '09:00', end: '13:00' },
      ]),
    ).toEqual([
      { weekday: 'MONDAY', start: '09:00', end: '13:00' },
      { weekday: 'MONDAY', start: '13:00', end: '24:00' },
      { weekday: 'TUESDAY', start: '09:00', end: '12:00' },
    ]);
  });

  it.each([
    [{ start: '9:00', end: '12:00' }, 'workingHours[0].start'],
    [{ start: '09:00', end: '12:60' }, 'workingHours[0].end'],
    [{ start: '24:00', end: '24:00' }, 'workingHours[0].start'],
    [{ start: '12:00', end: '09:00' }, 'workingHours[0].end'],
    [{ start: '09:00', end: '09:00' }, 'workingHours[0].end'],
  ])('refuses the window %j', (times, named) => {
    expect(refusedField(() => checkedWorkingHours([{ weekday: 'MONDAY', ...times }]))).toBe(named);
  });

  it('refuses overlapping windows on the same day', () => {
    const overlapping = [
      { weekday: 'MONDAY' as const, start: '09:00', end: '12:00' },
      { weekday: 'MONDAY' as const, start: '11:00', end: '13:00' },
    ];
    expect(refusedField(() => checkedWorkingHours(overlapping))).toBe('workingHours');
  });
});
