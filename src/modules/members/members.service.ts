import { and, eq, ne, sql } from 'drizzle-orm';
import { assertMayAssignRole, assertMayChangeMember, assertMayChangePeople, lastAdminRefusal } from '../../auth/access/member-changes.js';
import type { MemberRole } from '../../auth/access/scopes.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { ApiActor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { members, organizations } from '../../db/schema/index.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { newId } from '../../lib/random.js';
import { pauseReasonFor, pauseWebhooksSubscribedBy } from '../webhooks/webhook-subscribers.js';
import { validName } from '../organizations/organizations.service.js';

/**
 * The people of an organization. Every key acts for a member or a service
 * account, so a change here changes what keys can do on their next request;
 * the rules about who may make which change are src/auth/access/member-changes.ts.
 * The plain functions serve the operator (CLI, first start); the `…As`
 * functions are the API's, checked against the calling key.
 */

export type Member = typeof members.$inferSelect;
export type NewMember = { email: string; name?: string | null; role: MemberRole };
export type MemberChange = { role?: MemberRole; active?: boolean };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(field: string, email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length > TEXT_LIMITS.email) throw badUserInput(field, `must be at most ${TEXT_LIMITS.email} characters.`);
  if (!EMAIL.test(trimmed)) throw badUserInput(field, `"${email}" is not an email address.`);
  return trimmed;
}

export async function addMember(db: Executor, organizationId: string, person: NewMember, now: Date): Promise<Member> {
  const email = validateEmail('email', person.email);
  const name = validName('name', person.name);
  const [member] = await db
    .insert(members)
    .values({ id: newId('mem'), organizationId, email, name, role: person.role, createdAt: now })
    .returning()
    .catch((error: unknown) => {
      if (isUniqueViolation(error, 'members_organization_email_idx')) throw badUserInput('email', `${email} is already a member.`);
      throw error;
    });
  return member!;
}

export async function addMemberAs(db: Executor, actor: ApiActor, person: NewMember, now: Date): Promise<Member> {
  assertMayChangePeople(actor.principal);
  assertMayAssignRole(actor.principal, null, person.role);
  return addMember(db, actor.principal.organizationId, person, now);
}

/** The organization's members by id, for a loader: those found, in no particular order. */
export function membersByIds(db: Executor, organizationId: string, ids: readonly string[]): Promise<Member[]> {
  return db
    .select()
    .from(members)
    .where(and(eq(members.organizationId, organizationId), inTextList(members.id, ids)));
}

/** Any organization's member, by id: for the operator and for key records. */
export async function findMember(db: Executor, id: string): Promise<Member | undefined> {
  const [member] = await db.select().from(members).where(eq(members.id, id)).limit(1);
  return member;
}

/** Another organization's member answers exactly like a missing one. */
export async function findMemberIn(db: Executor, organizationId: string, id: string): Promise<Member> {
  const [member] = await db
    .select()
    .from(members)
    .where(and(eq(members.organizationId, organizationId), eq(members.id, id)))
    .limit(1);
  if (!member) throw notFound('member', id);
  return member;
}

export const memberCursor = (member: Member) => encodeCursor({ at: member.createdAt, id: member.id });

/** Oldest first (the first admin leads), deactivated members included. */
const MEMBER_ORDER: KeysetOrder = { at: members.createdAt, id: members.id, direction: 'asc' };

export function listMemberPage(db: Executor, organizationId: string, page: PageRequest): Promise<KeysetPage<Member>> {
  return keysetPage(MEMBER_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(members)
      .where(and(eq(members.organizationId, organizationId), where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}

/**
 * Role and activity changes bind the member's keys from the next request on,
 * on every instance: cached verifications of their keys are dropped; and a
 * member who leaves or stops managing webhooks pauses the endpoints they
 * subscribed (webhook-subscribers.ts). An
 * organization always keeps an active admin, whoever asks (the operator too):
 * without one nobody could manage its keys or people over the API.
 * `authorize` sees the member as locked, before the change.
 */
export async function updateMember(
  db: Executor,
  id: string,
  change: MemberChange,
  authorize: (current: Member) => void = () => {},
): Promise<Member> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(members).where(eq(members.id, id)).for('update');
    if (!current) throw notFound('member', id);
    authorize(current);
    await assertKeepsAnActiveAdmin(tx, current, change);
    const [member] = await tx.update(members).set(change).where(eq(members.id, id)).returning();
    await broadcastKeyChange(tx, { memberId: id });
    // Their endpoints stop with their keys: a webhook must not keep copying data to a departed admin's URL.
    const pauseReason = pauseReasonFor(member!);
    if (pauseReason) await pauseWebhooksSubscribedBy(tx, { memberId: id }, pauseReason);
    return member!;
  });
}

export async function updateMemberAs(db: Executor, actor: ApiActor, id: string, change: MemberChange): Promise<Member> {
  const { principal } = actor;
  if (change.role === undefined && change.active === undefined) throw badUserInput('input', 'nothing to update.');
  return updateMember(db, id, change, (current) => {
    // Another organization's member answers NOT_FOUND whoever asks.
    if (current.organizationId !== principal.organizationId) throw notFound('member', id);
    assertMayChangePeople(principal);
    assertMayChangeMember(principal, current, change);
  });
}

async function assertKeepsAnActiveAdmin(tx: Executor, current: Member, change: MemberChange): Promise<void> {
  const isActiveAdmin = current.role === 'ADMIN' && current.active;
  const staysActiveAdmin = (change.role ?? current.role) === 'ADMIN' && (change.active ?? current.active);
  if (!isActiveAdmin || staysActiveAdmin) return;
  // One change at a time per organization: two admins demoting each other at once cannot both pass the count.
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, current.organizationId)).for('update');
  const [row] = await tx
    .select({ others: sql<number>`count(*)::int` })
    .from(members)
    .where(
      and(
        eq(members.organizationId, current.organizationId),
        eq(members.role, 'ADMIN'),
        eq(members.active, true),
        ne(members.id, current.id),
      ),
    );
  if (Number(row?.others ?? 0) === 0) throw lastAdminRefusal();
}
