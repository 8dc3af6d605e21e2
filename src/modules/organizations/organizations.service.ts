import { eq, sql } from 'drizzle-orm';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { members, organizations } from '../../db/schema/index.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import type { MemberRole } from '../../auth/access/scopes.js';
import { newId } from '../../lib/random.js';

export type Organization = typeof organizations.$inferSelect;
export type Member = typeof members.$inferSelect;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(field: string, email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length > TEXT_LIMITS.email) throw badUserInput(field, `must be at most ${TEXT_LIMITS.email} characters.`);
  if (!EMAIL.test(trimmed)) throw badUserInput(field, `"${email}" is not an email address.`);
  return trimmed;
}

function validName(field: string, name: string | null | undefined): string | null {
  const trimmed = name?.trim() ?? '';
  if (trimmed.length > TEXT_LIMITS.name) throw badUserInput(field, `must be at most ${TEXT_LIMITS.name} characters.`);
  return trimmed || null;
}

export async function createOrganization(db: Executor, name: string, now: Date): Promise<Organization> {
  const trimmed = validName('name', name);
  if (!trimmed) throw badUserInput('name', 'an organization needs a name.');
  const [organization] = await db
    .insert(organizations)
    .values({ id: newId('org'), name: trimmed, createdAt: now })
    .returning();
  return organization!;
}

export async function addMember(
  db: Executor,
  organizationId: string,
  person: { email: string; name?: string | null; role: MemberRole },
  now: Date,
): Promise<Member> {
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

export async function findOrganization(db: Executor, id: string): Promise<Organization> {
  const [organization] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  if (!organization) throw notFound('organization', id);
  return organization;
}

export async function findMember(db: Executor, id: string): Promise<Member | undefined> {
  const [member] = await db.select().from(members).where(eq(members.id, id)).limit(1);
  return member;
}

/**
 * Role and activity changes bind the member's keys from the next request on,
 * on every instance: cached verifications of their keys are dropped.
 */
export async function updateMember(
  db: Executor,
  id: string,
  change: { role?: MemberRole; active?: boolean },
): Promise<Member> {
  return db.transaction(async (tx) => {
    const [member] = await tx.update(members).set(change).where(eq(members.id, id)).returning();
    if (!member) throw notFound('member', id);
    await broadcastKeyChange(tx, { memberId: id });
    return member;
  });
}

export async function countOrganizations(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(organizations);
  return Number(row?.count ?? 0);
}
