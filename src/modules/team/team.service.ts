import { and, asc, eq, ne } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { eventTypeHosts, teamMembers, type WorkingHours } from '../../db/schema/index.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { inTenant } from '../../db/tenant.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { newId } from '../../lib/random.js';
import { checkedCapacity, checkedEmail, checkedName, checkedTimeZone, checkedWorkingHours } from './team-input.js';

export type TeamMember = typeof teamMembers.$inferSelect;

export type NewTeamMember = {
  name: string;
  email: string;
  timeZone: string;
  capacity?: number | null;
  workingHours?: readonly WorkingHours[] | null;
};

export type TeamMemberChanges = {
  name?: string | null;
  email?: string | null;
  timeZone?: string | null;
  capacity?: number | null;
  workingHours?: readonly WorkingHours[] | null;
  active?: boolean | null;
};

export const teamMemberCursor = (member: TeamMember) => encodeCursor({ at: member.createdAt, id: member.id });

/** Oldest first, so new members join the end and pages stay stable. */
const TEAM_ORDER: KeysetOrder = { at: teamMembers.createdAt, id: teamMembers.id, direction: 'asc' };

/** Inactive members are listed too. */
export function listTeamMembers(db: Executor, tenant: Tenant, page: PageRequest): Promise<KeysetPage<TeamMember>> {
  return keysetPage(TEAM_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(teamMembers)
      .where(and(inTenant(teamMembers, tenant), where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}

export async function findTeamMember(db: Executor, tenant: Tenant, id: string): Promise<TeamMember> {
  const [member] = await db
    .select()
    .from(teamMembers)
    .where(and(inTenant(teamMembers, tenant), eq(teamMembers.id, id)))
    .limit(1);
  if (!member) throw notFound('team member', id);
  return member;
}

/** Members of the tenant among `ids` (others' and unknown ids are simply absent). */
export async function teamMembersByIds(db: Executor, tenant: Tenant, ids: readonly string[]): Promise<TeamMember[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(teamMembers)
    .where(and(inTenant(teamMembers, tenant), inTextList(teamMembers.id, ids)));
}

/** Hosts of each event type, in one query for a whole page of event types. */
export async function hostsByEventType(
  db: Executor,
  tenant: Tenant,
  eventTypeIds: readonly string[],
): Promise<Map<string, TeamMember[]>> {
  const byEventType = new Map<string, TeamMember[]>(eventTypeIds.map((id) => [id, []]));
  if (eventTypeIds.length === 0) return byEventType;
  const rows = await db
    .select({ eventTypeId: eventTypeHosts.eventTypeId, member: teamMembers })
    .from(eventTypeHosts)
    .innerJoin(teamMembers, eq(teamMembers.id, eventTypeHosts.teamMemberId))
    .where(and(inTenant(eventTypeHosts, tenant), inTextList(eventTypeHosts.eventTypeId, eventTypeIds)))
    .orderBy(asc(teamMembers.createdAt), asc(teamMembers.id));
  for (const row of rows) byEventType.get(row.eventTypeId)?.push(row.member);
  return byEventType;
}

async function assertEmailFree(db: Executor, tenant: Tenant, email: string, exceptId?: string): Promise<void> {
  const taken = await db
    .select({ id: teamMembers.id })
    .from(teamMembers)
    .where(and(inTenant(teamMembers, tenant), eq(teamMembers.email, email), exceptId ? ne(teamMembers.id, exceptId) : undefined))
    .limit(1);
  if (taken.length > 0) throw emailTaken(email);
}

const emailTaken = (email: string) => badUserInput('email', `${email} is already a team member.`);

/** A concurrent request took the email between our check and our write. */
function refuseTakenEmail(email: string | undefined) {
  return (error: unknown): never => {
    if (email && isUniqueViolation(error, 'team_members_email_idx')) throw emailTaken(email);
    throw error;
  };
}

export async function createTeamMember(db: Executor, tenant: Tenant, input: NewTeamMember, now: Date): Promise<TeamMember> {
  const email = checkedEmail(input.email);
  const values = {
    name: checkedName(input.name),
    email,
    timeZone: checkedTimeZone(input.timeZone),
    capacity: checkedCapacity(input.capacity ?? 1),
    workingHours: checkedWorkingHours(input.workingHours ?? []),
  };
  await assertEmailFree(db, tenant, email);
  const [member] = await db
    .insert(teamMembers)
    .values({ id: newId('tm'), ...tenant, ...values, active: true, createdAt: now, updatedAt: now })
    .returning()
    .catch(refuseTakenEmail(email));
  return member!;
}

/** Changes only the fields given; `workingHours` replaces the whole week. */
export async function updateTeamMember(
  db: Executor,
  tenant: Tenant,
  id: string,
  changes: TeamMemberChanges,
  now: Date,
): Promise<TeamMember> {
  const member = await findTeamMember(db, tenant, id);
  const set: Partial<typeof teamMembers.$inferInsert> = { updatedAt: now };
  if (changes.name != null) set.name = checkedName(changes.name);
  if (changes.email != null) {
    set.email = checkedEmail(changes.email);
    await assertEmailFree(db, tenant, set.email, member.id);
  }
  if (changes.timeZone != null) set.timeZone = checkedTimeZone(changes.timeZone);
  if (changes.capacity != null) set.capacity = checkedCapacity(changes.capacity);
  if (changes.workingHours != null) set.workingHours = checkedWorkingHours(changes.workingHours);
  if (changes.active != null) set.active = changes.active;
  const [updated] = await db
    .update(teamMembers)
    .set(set)
    .where(and(inTenant(teamMembers, tenant), eq(teamMembers.id, member.id)))
    .returning()
    .catch(refuseTakenEmail(set.email));
  return updated!;
}

/**
 * A deactivated member stays on record (their bookings keep them as host) and
 * stays linked to event types, but is offered for no new booking.
 */
export async function deactivateTeamMember(db: Executor, tenant: Tenant, id: string, now: Date): Promise<TeamMember> {
  return updateTeamMember(db, tenant, id, { active: false }, now);
}
