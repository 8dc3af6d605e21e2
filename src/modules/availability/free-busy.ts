import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { calendarBusyIntervals } from '../calendars/calendar-busy.js';
import { teamMembersByIds } from '../team/team.service.js';
import { heldBookings } from './availability.service.js';
import type { Interval } from './slots.js';

export type BusyPeriod = { start: Date; end: Date; source: 'BOOKING' | 'CALENDAR' };
export type MemberBusy = { teamMemberId: string; busy: BusyPeriod[] };

const MAX_MEMBERS = 100;

/**
 * Busy time per member within `range`, in time order: their PENDING (hold not
 * lapsed) and CONFIRMED bookings (widened by their event types' buffers, the time they
 * actually hold) and their connected calendars' busy events. A booking does not
 * make a member with capacity above 1 unavailable; availability counts that.
 */
export async function freeBusy(
  db: Executor,
  tenant: Tenant,
  teamMemberIds: readonly string[],
  range: Interval,
  now: Date,
): Promise<MemberBusy[]> {
  const ids = [...new Set(teamMemberIds)];
  if (ids.length === 0 || ids.length > MAX_MEMBERS) throw badUserInput('teamMemberIds', `give 1 to ${MAX_MEMBERS} ids.`);
  const found = new Set((await teamMembersByIds(db, tenant, ids)).map((member) => member.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound('team member', missing);

  const held = await heldBookings(db, tenant, ids, range, now);
  const calendars = await calendarBusyIntervals(db, tenant, ids, new Date(range.start), new Date(range.end));
  return ids.map((id) => ({
    teamMemberId: id,
    busy: [
      ...held
        .filter((booking) => booking.hostId === id)
        .map((booking): BusyPeriod => ({ start: new Date(booking.held.start), end: new Date(booking.held.end), source: 'BOOKING' })),
      ...(calendars.get(id) ?? [])
        .filter((busy) => busy.start.getTime() < range.end && busy.end.getTime() > range.start)
        .map((busy): BusyPeriod => ({ start: busy.start, end: busy.end, source: 'CALENDAR' })),
    ].sort((a, b) => a.start.getTime() - b.start.getTime()),
  }));
}
