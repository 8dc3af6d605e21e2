import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { apiKeys, members, organizations } from '../../db/schema/index.js';
import type { Member } from '../members/members.service.js';

/**
 * What an operator sees from the CLI, across every tenant: which organizations
 * exist and who is in them, so a lost key can be replaced (`keys:create`
 * needs an organization and a member). Not reachable through the API, where
 * a key sees its own organization only.
 */

export type OrganizationSummary = {
  id: string;
  name: string;
  createdAt: Date;
  /** Members who may hold keys (deactivated ones are not counted). */
  activeMembers: number;
  /** Keys that would be accepted now: neither revoked nor expired. */
  activeKeys: number;
};

/** Every organization, oldest first. */
export async function listOrganizationSummaries(db: Executor, now: Date): Promise<OrganizationSummary[]> {
  const usable = or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now));
  const unexpired = or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now));
  return db
    .select({
      id: organizations.id,
      name: organizations.name,
      createdAt: organizations.createdAt,
      activeMembers: db.$count(members, and(eq(members.organizationId, organizations.id), eq(members.active, true))),
      activeKeys: db.$count(apiKeys, and(eq(apiKeys.organizationId, organizations.id), usable, unexpired)),
    })
    .from(organizations)
    .orderBy(asc(organizations.createdAt), asc(organizations.id));
}

/** One organization's members, deactivated included, oldest first (the bootstrap admin leads). */
export async function listMembers(db: Executor, organizationId: string): Promise<Member[]> {
  return db
    .select()
    .from(members)
    .where(eq(members.organizationId, organizationId))
    .orderBy(asc(members.createdAt), asc(members.id));
}
