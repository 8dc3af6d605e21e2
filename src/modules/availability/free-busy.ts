import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { pacer } from '../../lib/pace.js';
import { calendarBusyIntervals } from '../calendars/calendar-busy.js';
import { teamMembersByIds } from '../team/team.service.js';
import { heldBookings, type ScheduleWork } from './availability.service.js';
import { daysIn, MAX_BUSY_PER_MEMBER } from './range.js';
import type { Interval } from './slots.js';

export type BusyPeriod = { start: Date; end: Date; source: 'BOOKING' | 'CALENDAR' };
export type MemberBusy = { teamMemberId: string; busy: BusyPeriod[] };

export const MAX_MEMBERS = 100;

/**
 * Busy time per member within `range`, in time order: their PENDING (hold not
 * lapsed) and CONFIRMED bookings (widened by their event types' buffers, the time they
 * actually hold) and their connected calendars' busy events; at most
 * MAX_BUSY_PER_MEMBER each, the earliest. A booking does not make a member with
 * capacity above 1 unavailable; availability counts that. The call costs the
 * days of the range × the members from `work.budget`, before anything is read.
 */
export async function freeBusy(
  db: Executor,
  tenant: Tenant,
  teamMemberIds: readonly string[],
  range: Interval,
  now: Date,
  work: ScheduleWork = {},
): Promise<MemberBusy[]> {
  const ids = [...new Set(teamMemberIds)];
  if (ids.length === 0 || ids.length > MAX_MEMBERS) throw badUserInput('teamMemberIds', `give 1 to ${MAX_MEMBERS} ids.`);
  const days = daysIn(range);
  work.budget?.spend({
    field: 'freeBusy',
    days,
    hosts: ids.length,
    // When even one day of these members is too much, it is the list that must shrink.
    argument: ids.length > (work.budget?.remaining ?? Infinity) ? 'teamMemberIds' : 'to',
    advice: 'Ask for a shorter range (from, to) or fewer teamMemberIds.',
  });
  const found = new Set((await teamMembersByIds(db, tenant, ids)).map((member) => member.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound('team member', missing);

  const held = await heldBookings(db, tenant, ids, range, now);
  const calendars = await calendarBusyIntervals(db, tenant, ids, new Date(range.start), new Date(range.end));
  const pause = pacer(work.signal);
  const answer: MemberBusy[] = [];
  for (const id of ids) {
    await pause();
    const busy = [
      ...held
        .filter((booking) => booking.hostId === id)
        .map((booking): BusyPeriod => ({ start: new Date(booking.held.start), end: new Date(booking.held.end), source: 'BOOKING' })),
      ...(calendars.get(id) ?? [])
        .filter((interval) => interval.start.getTime() < range.end && interval.end.getTime() > range.start)
        .map((interval): BusyPeriod => ({ start: interval.start, end: interval.end, source: 'CALENDAR' })),
    ].sort((a, b) => a.start.getTime() - b.start.getTime());
    answer.push({ teamMemberId: id, busy: busy.slice(0, MAX_BUSY_PER_MEMBER) });
  }
  return answer;
}
