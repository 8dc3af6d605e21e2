import { and, eq, isNull } from 'drizzle-orm';
import { assertMayAssignRole, assertMayChangePeople, assertMayChangeServiceAccount } from '../../auth/access/member-changes.js';
import type { MemberRole } from '../../auth/access/scopes.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import type { ApiActor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { serviceAccounts } from '../../db/schema/index.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { badUserInput, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/random.js';
import { revokeServiceAccountKeys } from '../api-keys/api-keys.service.js';
import { validName } from '../organizations/organizations.service.js';
import { pauseReasonFor, pauseWebhooksSubscribedBy } from '../webhooks/webhook-subscribers.js';

/**
 * Service accounts: principals the organization owns, for automation. Their
 * keys are capped by the account's role and, unlike a member's, outlive the
 * member who received the secret. Deleting one ends its keys, and pauses the
 * webhooks they subscribed.
 */

export type ServiceAccount = typeof serviceAccounts.$inferSelect;
export type ServiceAccountChange = { name?: string | null; role?: MemberRole | null };

function validAccountName(name: string): string {
  const trimmed = validName('name', name);
  if (!trimmed) throw badUserInput('name', 'a service account needs a name.');
  return trimmed;
}

/** For the operator (CLI) as well as the API: no calling key to check. */
export async function createServiceAccount(
  db: Executor,
  organizationId: string,
  input: { name: string; role: MemberRole },
  now: Date,
): Promise<ServiceAccount> {
  const [account] = await db
    .insert(serviceAccounts)
    .values({ id: newId('sa'), organizationId, name: validAccountName(input.name), role: input.role, createdAt: now })
    .returning();
  return account!;
}

export async function createServiceAccountAs(
  db: Executor,
  actor: ApiActor,
  input: { name: string; role: MemberRole },
  now: Date,
): Promise<ServiceAccount> {
  assertMayChangePeople(actor.principal);
  assertMayAssignRole(actor.principal, null, input.role);
  return createServiceAccount(db, actor.principal.organizationId, input, now);
}

/**
 * A service account of this organization that can own keys. Another
 * organization's, and a deleted one, answer like a missing one.
 */
export async function findServiceAccount(db: Executor, organizationId: string, id: string): Promise<ServiceAccount> {
  const [account] = await db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.organizationId, organizationId), eq(serviceAccounts.id, id), isNull(serviceAccounts.deletedAt)))
    .limit(1);
  if (!account) throw notFound('service account', id);
  return account;
}

/** The organization's service accounts by id, deleted ones too, for a loader: those found, in no particular order. */
export function serviceAccountsByIds(db: Executor, organizationId: string, ids: readonly string[]): Promise<ServiceAccount[]> {
  return db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.organizationId, organizationId), inTextList(serviceAccounts.id, ids)));
}

/** By id, deleted ones too: for the key records that name one. */
export async function serviceAccountById(db: Executor, id: string): Promise<ServiceAccount | undefined> {
  const [account] = await db.select().from(serviceAccounts).where(eq(serviceAccounts.id, id)).limit(1);
  return account;
}

export const serviceAccountCursor = (account: ServiceAccount) => encodeCursor({ at: account.createdAt, id: account.id });

const SERVICE_ACCOUNT_ORDER: KeysetOrder = { at: serviceAccounts.createdAt, id: serviceAccounts.id, direction: 'asc' };

/** Oldest first; deleted accounts are not listed. */
export function listServiceAccountPage(db: Executor, organizationId: string, page: PageRequest): Promise<KeysetPage<ServiceAccount>> {
  return keysetPage(SERVICE_ACCOUNT_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.organizationId, organizationId), isNull(serviceAccounts.deletedAt), where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}

/** A role change binds the account's keys from their next request on, on every instance. */
export async function updateServiceAccountAs(db: Executor, actor: ApiActor, id: string, change: ServiceAccountChange): Promise<ServiceAccount> {
  const { principal } = actor;
  const set: Partial<ServiceAccount> = {};
  if (change.name != null) set.name = validAccountName(change.name);
  if (change.role != null) set.role = change.role;
  if (Object.keys(set).length === 0) throw badUserInput('input', 'nothing to update.');
  return db.transaction(async (tx) => {
    // Found first: another organization's account answers NOT_FOUND whoever asks.
    const current = await findServiceAccount(tx, principal.organizationId, id);
    assertMayChangePeople(principal);
    assertMayChangeServiceAccount(principal, current, set.role ? { role: set.role } : {});
    const [updated] = await tx.update(serviceAccounts).set(set).where(eq(serviceAccounts.id, id)).returning();
    if (set.role) await broadcastKeyChange(tx, { serviceAccountId: id });
    await pauseWebhooksOf(tx, updated!);
    return updated!;
  });
}

/** Revokes (and audits) every key the account owns, and keeps the account on record as deleted. */
export async function deleteServiceAccountAs(db: Executor, actor: ApiActor, id: string, now: Date): Promise<ServiceAccount> {
  const { principal } = actor;
  return db.transaction(async (tx) => {
    const current = await findServiceAccount(tx, principal.organizationId, id);
    assertMayChangePeople(principal);
    assertMayChangeServiceAccount(principal, current, 'delete');
    const [deleted] = await tx.update(serviceAccounts).set({ deletedAt: now }).where(eq(serviceAccounts.id, id)).returning();
    await revokeServiceAccountKeys(tx, actor, id, now);
    await broadcastKeyChange(tx, { serviceAccountId: id });
    await pauseWebhooksOf(tx, deleted!);
    return deleted!;
  });
}

/** Its endpoints stop with its keys: deleted, or given a role that does not manage webhooks (webhook-subscribers.ts). */
async function pauseWebhooksOf(tx: Executor, account: ServiceAccount): Promise<void> {
  const reason = pauseReasonFor(account);
  if (reason) await pauseWebhooksSubscribedBy(tx, { serviceAccountId: account.id }, reason);
}
