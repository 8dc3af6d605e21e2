import { and, eq, isNotNull } from 'drizzle-orm';
import type ICAL from 'ical.js';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { calendarConnections, teamMembers } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { busyIntervals, mergeIntervals, parseSnapshot, type BusyInterval } from './ics.js';

export type { BusyInterval };

/** Parsed snapshots by connection, reused while the stored snapshot is unchanged. */
const parsed = new Map<string, { snapshot: string; events: ICAL.Event[] }>();
const MAX_PARSED = 500;

function eventsOf(connectionId: string, snapshot: string): ICAL.Event[] {
  const cached = parsed.get(connectionId);
  if (cached?.snapshot === snapshot) return cached.events;
  const events = parseSnapshot(snapshot);
  parsed.delete(connectionId);
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(connectionId, { snapshot, events });
  return events;
}

/**
 * Busy time from members' connected calendars, by team member id (every
 * requested member gets an entry), sorted and merged. Reads the stored
 * snapshots only (CalendarSync fetches the feeds), so it costs one query and
 * never waits on the network; a snapshot that cannot be read counts as free
 * rather than failing availability.
 */
export async function calendarBusyIntervals(
  db: Executor,
  tenant: Tenant,
  teamMemberIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, BusyInterval[]>> {
  const busy = new Map<string, BusyInterval[]>(teamMemberIds.map((id) => [id, []]));
  if (teamMemberIds.length === 0) return busy;
  const rows = await db
    .select({
      id: calendarConnections.id,
      teamMemberId: calendarConnections.teamMemberId,
      snapshot: calendarConnections.busySnapshot,
      timeZone: teamMembers.timeZone,
    })
    .from(calendarConnections)
    .innerJoin(teamMembers, eq(teamMembers.id, calendarConnections.teamMemberId))
    .where(
      and(
        inTenant(calendarConnections, tenant),
        inTextList(calendarConnections.teamMemberId, teamMemberIds),
        isNotNull(calendarConnections.busySnapshot),
      ),
    );
  for (const row of rows) {
    let intervals: BusyInterval[];
    try {
      intervals = busyIntervals(eventsOf(row.id, row.snapshot!), from, to, row.timeZone);
    } catch {
      continue;
    }
    busy.get(row.teamMemberId)!.push(...intervals);
  }
  for (const [memberId, intervals] of busy) busy.set(memberId, mergeIntervals(intervals));
  return busy;
}
