import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { calendarConnections, teamMembers } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { checkOutboundUrl, hostOf, OutboundRefused, type HostResolver } from '../../lib/outbound-url.js';
import { newId } from '../../lib/random.js';
import type { SecretBox } from '../../lib/secret-box.js';

type ConnectionRow = typeof calendarConnections.$inferSelect;
type TeamMemberRow = typeof teamMembers.$inferSelect;

/** What the API may show of a connection: everything but the sealed URL and the busy snapshot. */
export type CalendarConnection = Omit<ConnectionRow, 'urlSealed' | 'busySnapshot'> & { teamMember: TeamMemberRow };


/** The columns that may leave this module; the sealed URL is deliberately not among them. */
const publicColumns = {
  id: calendarConnections.id,
  organizationId: calendarConnections.organizationId,
  environment: calendarConnections.environment,
  teamMemberId: calendarConnections.teamMemberId,
  provider: calendarConnections.provider,
  host: calendarConnections.host,
  status: calendarConnections.status,
  lastSyncedAt: calendarConnections.lastSyncedAt,
  lastAttemptAt: calendarConnections.lastAttemptAt,
  lastError: calendarConnections.lastError,
  createdAt: calendarConnections.createdAt,
  updatedAt: calendarConnections.updatedAt,
};

async function select(db: Executor, tenant: Tenant, condition?: SQL): Promise<CalendarConnection[]> {
  const rows = await db
    .select({ connection: publicColumns, teamMember: teamMembers })
    .from(calendarConnections)
    .innerJoin(teamMembers, eq(teamMembers.id, calendarConnections.teamMemberId))
    .where(and(inTenant(calendarConnections, tenant), condition))
    .orderBy(asc(calendarConnections.createdAt), asc(calendarConnections.id));
  return rows.map((row) => ({ ...row.connection, teamMember: row.teamMember }));
}

export function listCalendarConnections(db: Executor, tenant: Tenant, teamMemberId?: string | null) {
  return select(db, tenant, teamMemberId ? eq(calendarConnections.teamMemberId, teamMemberId) : undefined);
}

export async function findCalendarConnection(db: Executor, tenant: Tenant, id: string): Promise<CalendarConnection> {
  const [connection] = await select(db, tenant, eq(calendarConnections.id, id));
  if (!connection) throw notFound('calendar connection', id);
  return connection;
}

/**
 * Stores the feed URL sealed; it is never shown again, not even to the key
 * that connected it. The feed is fetched by the caller right after (see
 * CalendarSync) so the answer already says whether it works.
 */
export async function connectCalendar(
  db: Executor,
  tenant: Tenant,
  input: { teamMemberId: string; url: string },
  deps: { secrets: SecretBox; resolver: HostResolver },
  now: Date,
): Promise<string> {
  const [member] = await db
    .select({ id: teamMembers.id })
    .from(teamMembers)
    .where(and(inTenant(teamMembers, tenant), eq(teamMembers.id, input.teamMemberId)))
    .limit(1);
  if (!member) throw notFound('team member', input.teamMemberId);
  if (input.url.length > TEXT_LIMITS.url) throw badUserInput('url', `must be at most ${TEXT_LIMITS.url} characters.`);
  let url: URL;
  try {
    url = await checkOutboundUrl(input.url, tenant.environment, deps.resolver);
  } catch (error) {
    if (error instanceof OutboundRefused) throw badUserInput('url', error.message);
    throw error;
  }
  const id = newId('cal');
  await db.insert(calendarConnections).values({
    id,
    ...tenant,
    teamMemberId: member.id,
    provider: 'ICS',
    host: hostOf(url),
    urlSealed: deps.secrets.seal(url.href),
    status: 'PENDING',
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

/** Deletes the connection with its sealed URL and snapshot: nothing of the credential is kept. */
export async function disconnectCalendar(db: Executor, tenant: Tenant, id: string): Promise<CalendarConnection> {
  const connection = await findCalendarConnection(db, tenant, id);
  await db.delete(calendarConnections).where(eq(calendarConnections.id, connection.id));
  return connection;
}
