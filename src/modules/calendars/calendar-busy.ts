import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';

export type BusyInterval = { start: Date; end: Date };

/**
 * Busy time from members' connected calendars, by team member id.
 * TODO(calendars): read cached ICS feeds; until then no external busy time.
 */
export async function calendarBusyIntervals(
  _db: Executor,
  _tenant: Tenant,
  _teamMemberIds: readonly string[],
  _from: Date,
  _to: Date,
): Promise<Map<string, BusyInterval[]>> {
  return new Map();
}
