import { describe, expect, it } from 'vitest';
import type { WorkingHours } from '../../src/db/schema/team.js';
import { BOOKING_HORIZON_DAYS, computeSlots, hostsFreeAt, isOnSlotGrid, type HostSchedule, type SlotRules } from '../../src/modules/availability/slots.js';

const at = (iso: string) => new Date(iso).getTime();
const range = (from: string, to: string) => ({ start: at(from), end: at(to) });
const rules = (overrides: Partial<SlotRules> = {}): SlotRules => ({
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  ...overrides,
});
const host = (overrides: Partial<HostSchedule> = {}): HostSchedule => ({
  id: 'tm_a',
  timeZone: 'UTC',
  capacity: 1,
  workingHours: [],
  bookings: [],
  calendarBusy: [],
  ...overrides,
});
const everyDay = (start: string, end: string): WorkingHours[] =>
  (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const).map((weekday) => ({
    weekday,
    start,
    end,
  }));
// Before every slot below, and within the booking window of all of them.
const longAgo = new Date('2024-06-01T00:00:00Z');
const starts = (slots: { start: Date }[]) => slots.map((slot) => slot.start.toISOString());

describe('slot computation', () => {
  it("reads working hours in the host's own time zone", async () => {
    // Monday 2025-01-06, 09:00–11:00 in Berlin (UTC+1) is 08:00–10:00 UTC.
    const berlin = host({ timeZone: 'Europe/Berlin', workingHours: [{ weekday: 'MONDAY', start: '09:00', end: '11:00' }] });
    const slots = await computeSlots([berlin], rules(), range('2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'), longAgo);
    expect(starts(slots)).toEqual([
      '2025-01-06T08:00:00.000Z',
      '2025-01-06T08:15:00.000Z',
      '2025-01-06T08:30:00.000Z',
      '2025-01-06T08:45:00.000Z',
      '2025-01-06T09:00:00.000Z',
    ]);
    expect(slots[0]!.end.toISOString()).toBe('2025-01-06T09:00:00.000Z');
    expect(slots[0]!.availableHosts).toEqual(['tm_a']);
  });

  it('keeps the whole meeting inside working hours, and lets it run across touching windows', async () => {
    const split = host({
      workingHours: [
        { weekday: 'MONDAY', start: '09:00', end: '10:00' },
        { weekday: 'MONDAY', start: '10:00', end: '10:30' },
      ],
    });
    const slots = await computeSlots([split], rules(), range('2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'), longAgo);
    expect(starts(slots)).toEqual(['2025-01-06T09:00:00.000Z', '2025-01-06T09:15:00.000Z', '2025-01-06T09:30:00.000Z']);
  });

  it('treats 24:00 as the following midnight', async () => {
    const late = host({ workingHours: [{ weekday: 'MONDAY', start: '23:00', end: '24:00' }] });
    const slots = await computeSlots([late], rules(), range('2025-01-06T00:00:00Z', '2025-01-08T00:00:00Z'), longAgo);
    expect(starts(slots)).toEqual(['2025-01-06T23:00:00.000Z']);
  });

  it('only returns slots starting within [from, to)', async () => {
    const slots = await computeSlots(
      [host({ workingHours: everyDay('09:00', '17:00') })],
      rules(),
      range('2025-01-06T10:00:00Z', '2025-01-06T11:00:00Z'),
      longAgo,
    );
    expect(starts(slots)).toEqual([
      '2025-01-06T10:00:00.000Z',
      '2025-01-06T10:15:00.000Z',
      '2025-01-06T10:30:00.000Z',
      '2025-01-06T10:45:00.000Z',
    ]);
  });

  it('applies minimum notice relative to now', async () => {
    const now = new Date('2025-01-06T09:05:00Z');
    const slots = await computeSlots(
      [host({ workingHours: everyDay('09:00', '12:00') })],
      rules({ minimumNoticeMinutes: 120 }),
      range('2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'),
      now,
    );
    // 09:05 + 2 h = 11:05, the next quarter hour is 11:15; but 11:15 + 60 min passes 12:00.
    expect(starts(slots)).toEqual([]);
    const sooner = await computeSlots(
      [host({ workingHours: everyDay('09:00', '12:00') })],
      rules({ minimumNoticeMinutes: 60 }),
      range('2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'),
      now,
    );
    expect(starts(sooner)).toEqual(['2025-01-06T10:15:00.000Z', '2025-01-06T10:30:00.000Z', '2025-01-06T10:45:00.000Z', '2025-01-06T11:00:00.000Z']);
  });

  it('offers nothing beyond the booking window, and no host is free there', async () => {
    const now = new Date('2025-01-06T00:00:00Z');
    const lastDay = new Date(now.getTime() + BOOKING_HORIZON_DAYS * 86_400_000);
    const open = host({ workingHours: everyDay('00:00', '24:00') });
    const slots = await computeSlots([open], rules(), { start: lastDay.getTime() - 3_600_000, end: lastDay.getTime() + 3_600_000 }, now);
    expect(starts(slots).at(-1)).toBe(lastDay.toISOString());
    expect(hostsFreeAt([open], rules(), lastDay, now)).toEqual(['tm_a']);
    expect(hostsFreeAt([open], rules(), new Date(lastDay.getTime() + 15 * 60_000), now)).toEqual([]);
  });

  it('keeps buffers free around existing bookings and around the new meeting', async () => {
    const booked = host({
      workingHours: everyDay('09:00', '13:00'),
      bookings: [{ start: at('2025-01-06T11:00:00Z'), end: at('2025-01-06T11:30:00Z') }],
    });
    const slots = await computeSlots(
      [booked],
      rules({ durationMinutes: 30, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 }),
      range('2025-01-06T09:00:00Z', '2025-01-06T13:00:00Z'),
      longAgo,
    );
    // A 30-minute meeting plus 15 minutes after must end by 11:00: last start 10:15. After the booking, 11:30 + 15 = 11:45.
    expect(starts(slots)).toContain('2025-01-06T10:15:00.000Z');
    expect(starts(slots)).not.toContain('2025-01-06T10:30:00.000Z');
    expect(starts(slots)).not.toContain('2025-01-06T11:30:00.000Z');
    expect(starts(slots)).toContain('2025-01-06T11:45:00.000Z');
    // Buffers may reach outside working hours: a 09:00 start with 15 minutes before is fine.
    expect(starts(slots)[0]).toBe('2025-01-06T09:00:00.000Z');
  });

  it('admits overlapping bookings up to the capacity', () => {
    const booking = { start: at('2025-01-06T10:00:00Z'), end: at('2025-01-06T11:00:00Z') };
    const base = { workingHours: everyDay('09:00', '17:00') };
    const check = (capacity: number, bookings: { start: number; end: number }[]) =>
      hostsFreeAt([host({ ...base, capacity, bookings })], rules(), new Date('2025-01-06T10:00:00Z'), longAgo);
    expect(check(1, [booking])).toEqual([]);
    expect(check(2, [booking])).toEqual(['tm_a']);
    expect(check(2, [booking, booking])).toEqual([]);
  });

  it('lets calendar busy time block a host whatever the capacity', () => {
    const busy = host({
      capacity: 5,
      workingHours: everyDay('09:00', '17:00'),
      calendarBusy: [{ start: at('2025-01-06T10:30:00Z'), end: at('2025-01-06T10:45:00Z') }],
    });
    expect(hostsFreeAt([busy], rules(), new Date('2025-01-06T10:00:00Z'), longAgo)).toEqual([]);
    expect(hostsFreeAt([busy], rules(), new Date('2025-01-06T10:45:00Z'), longAgo)).toEqual(['tm_a']);
  });

  it('lists every free host on a slot and offers slots any host can take', async () => {
    const early = host({ id: 'tm_b', workingHours: [{ weekday: 'MONDAY', start: '09:00', end: '10:00' }] });
    const late = host({ id: 'tm_a', workingHours: [{ weekday: 'MONDAY', start: '09:00', end: '11:00' }] });
    const slots = await computeSlots([early, late], rules(), range('2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'), longAgo);
    expect(slots[0]).toMatchObject({ availableHosts: ['tm_a', 'tm_b'] });
    expect(slots.at(-1)).toMatchObject({ availableHosts: ['tm_a'] });
  });

  it('refuses start times off the 15-minute grid', () => {
    const open = host({ workingHours: everyDay('00:00', '24:00') });
    expect(isOnSlotGrid(new Date('2025-01-06T10:10:00Z'))).toBe(false);
    expect(hostsFreeAt([open], rules(), new Date('2025-01-06T10:10:00Z'), longAgo)).toEqual([]);
    expect(hostsFreeAt([open], rules(), new Date('2025-01-06T10:15:00Z'), longAgo)).toEqual(['tm_a']);
  });
});

describe('slot computation across daylight-saving changes', () => {
  const sundayAllDay = (timeZone: string) => host({ timeZone, workingHours: [{ weekday: 'SUNDAY', start: '00:00', end: '24:00' }] });
  const hourly = rules({ durationMinutes: 60 });
  // Starts of one-hour meetings on a 15-minute grid within a day of `hours` hours.
  const countFor = (hours: number) => ((hours - 1) * 60) / 15 + 1;

  it('Europe/Berlin: a window across the spring-forward gap is an hour shorter', async () => {
    // 2025-03-30 02:00 CET jumps to 03:00 CEST: 01:00–04:00 local is 00:00–02:00 UTC.
    const berlin = host({ timeZone: 'Europe/Berlin', workingHours: [{ weekday: 'SUNDAY', start: '01:00', end: '04:00' }] });
    const slots = await computeSlots([berlin], hourly, range('2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z'), longAgo);
    expect(slots[0]!.start.toISOString()).toBe('2025-03-30T00:00:00.000Z');
    expect(slots.at(-1)!.end.toISOString()).toBe('2025-03-30T02:00:00.000Z');
    expect(slots).toHaveLength(5);
  });

  it('Europe/Berlin: a window starting in the skipped hour starts when the clocks resume', async () => {
    // 02:30 does not exist on 2025-03-30; like Luxon, it becomes 03:30 CEST (01:30 UTC). 04:00 CEST is 02:00 UTC.
    const berlin = host({ timeZone: 'Europe/Berlin', workingHours: [{ weekday: 'SUNDAY', start: '02:30', end: '04:00' }] });
    const slots = await computeSlots([berlin], rules({ durationMinutes: 30 }), range('2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z'), longAgo);
    expect(starts(slots)).toEqual(['2025-03-30T01:30:00.000Z']);
  });

  it('Europe/Berlin: a window across the fall-back repeat is an hour longer', async () => {
    // 2025-10-26 03:00 CEST falls back to 02:00 CET: 01:00–04:00 local is 23:00 (the day before)–03:00 UTC.
    const berlin = host({ timeZone: 'Europe/Berlin', workingHours: [{ weekday: 'SUNDAY', start: '01:00', end: '04:00' }] });
    const slots = await computeSlots([berlin], hourly, range('2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z'), longAgo);
    expect(slots[0]!.start.toISOString()).toBe('2025-10-25T23:00:00.000Z');
    expect(slots.at(-1)!.end.toISOString()).toBe('2025-10-26T03:00:00.000Z');
    expect(slots).toHaveLength(13);
  });

  it('Europe/Berlin: 09:00 local moves from 08:00 to 07:00 UTC after spring forward', async () => {
    const berlin = host({ timeZone: 'Europe/Berlin', workingHours: [{ weekday: 'MONDAY', start: '09:00', end: '10:00' }] });
    const slots = await computeSlots([berlin], hourly, range('2025-03-24T00:00:00Z', '2025-04-01T00:00:00Z'), longAgo);
    expect(starts(slots)).toEqual(['2025-03-24T08:00:00.000Z', '2025-03-31T07:00:00.000Z']);
  });

  it('America/New_York: the spring-forward Sunday has 23 hours of slots, the fall-back Sunday 25', async () => {
    const newYork = sundayAllDay('America/New_York');
    const spring = await computeSlots([newYork], hourly, range('2025-03-09T05:00:00Z', '2025-03-10T04:00:00Z'), longAgo);
    expect(spring).toHaveLength(countFor(23));
    expect(spring[0]!.start.toISOString()).toBe('2025-03-09T05:00:00.000Z'); // 00:00 EST
    expect(spring.at(-1)!.end.toISOString()).toBe('2025-03-10T04:00:00.000Z'); // 24:00 EDT

    const fall = await computeSlots([newYork], hourly, range('2025-11-02T04:00:00Z', '2025-11-03T05:00:00Z'), longAgo);
    expect(fall).toHaveLength(countFor(25));
    expect(fall[0]!.start.toISOString()).toBe('2025-11-02T04:00:00.000Z'); // 00:00 EDT
    expect(fall.at(-1)!.end.toISOString()).toBe('2025-11-03T05:00:00.000Z'); // 24:00 EST

    const ordinary = await computeSlots([newYork], hourly, range('2025-11-09T05:00:00Z', '2025-11-10T05:00:00Z'), longAgo);
    expect(ordinary).toHaveLength(countFor(24));
  });

  it('America/New_York: a booking during the repeated 01:00 hour blocks only its own instant', () => {
    // 2025-11-02 01:00–02:00 happens twice: 05:00–06:00 UTC (EDT) and 06:00–07:00 UTC (EST).
    const newYork = { ...sundayAllDay('America/New_York'), bookings: [{ start: at('2025-11-02T05:00:00Z'), end: at('2025-11-02T06:00:00Z') }] };
    expect(hostsFreeAt([newYork], hourly, new Date('2025-11-02T05:00:00Z'), longAgo)).toEqual([]);
    expect(hostsFreeAt([newYork], hourly, new Date('2025-11-02T06:00:00Z'), longAgo)).toEqual(['tm_a']);
  });
});

describe('slot computation, bounded and stoppable', () => {
  const DAY = 86_400_000;
  const newYork = host({
    id: 'tm_ny',
    timeZone: 'America/New_York',
    workingHours: everyDay('22:00', '24:00').concat(everyDay('00:00', '02:00')),
    bookings: [{ start: at('2025-03-09T03:00:00Z'), end: at('2025-03-12T05:00:00Z') }],
  });
  const berlin = host({ id: 'tm_be', timeZone: 'Europe/Berlin', workingHours: everyDay('09:00', '17:30') });
  const sixtyTwoDays = range('2025-02-20T10:07:00Z', '2025-04-23T10:07:00Z');

  it('finds over 62 days, a week at a time, exactly the slots of each day asked alone', async () => {
    const whole = await computeSlots([newYork, berlin], rules({ durationMinutes: 45 }), sixtyTwoDays, longAgo);
    const days: Awaited<ReturnType<typeof computeSlots>> = [];
    for (let start = sixtyTwoDays.start; start < sixtyTwoDays.end; start += DAY) {
      days.push(...(await computeSlots([newYork, berlin], rules({ durationMinutes: 45 }), { start, end: start + DAY }, longAgo)));
    }
    expect(whole.length).toBeGreaterThan(1000);
    expect(whole).toEqual(days);
  });

  it('returns at most `limit` slots, the earliest, and stops working once it has them', async () => {
    let pauses = 0;
    const all = await computeSlots([newYork, berlin], rules(), sixtyTwoDays, longAgo);
    const first = await computeSlots([newYork, berlin], rules(), sixtyTwoDays, longAgo, { limit: 100, pause: async () => void pauses++ });
    expect(first).toEqual(all.slice(0, 100));
    // Two hosts, and a week holds more than 100 slots: one week's pauses, not nine.
    expect(pauses).toBe(2);
  });

  it('pauses before each host of each week, and stops when the pause throws', async () => {
    let pauses = 0;
    const stop = new Error('cancelled');
    const pause = async () => {
      if (++pauses === 5) throw stop;
    };
    await expect(computeSlots([newYork, berlin], rules(), sixtyTwoDays, longAgo, { pause })).rejects.toBe(stop);
    expect(pauses).toBe(5);
  });
});
