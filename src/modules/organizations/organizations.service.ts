import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { newId } from '../../lib/random.js';

export type Organization = typeof organizations.$inferSelect;

/** An optional display name: trimmed, bounded, empty means none. */
export function validName(field: string, name: string | null | undefined): string | null {
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

export async function findOrganization(db: Executor, id: string): Promise<Organization> {
  const [organization] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  if (!organization) throw notFound('organization', id);
  return organization;
}

export async function countOrganizations(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(organizations);
  return Number(row?.count ?? 0);
}
