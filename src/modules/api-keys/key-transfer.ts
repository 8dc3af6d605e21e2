import { eq } from 'drizzle-orm';
import { assertMayEquipServiceAccount, assertMayManage, assertTransferDoesNotWiden } from '../../auth/access/key-lifecycle.js';
import { lowerRole, type MemberRole } from '../../auth/access/scopes.js';
import { broadcastKeyChange } from '../../auth/key-changes.js';
import { keyOwnerOf, keyStatus } from '../../auth/key-state.js';
import type { ApiActor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { appError, badUserInput } from '../../lib/errors.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { findMember } from '../members/members.service.js';
import { findServiceAccount, serviceAccountById } from '../members/service-accounts.service.js';
import { findApiKey, keyChange, type ApiKey } from './api-keys.service.js';

/**
 * Hands a working key over to a service account, secret unchanged: the CI
 * key a member set up keeps working after they leave, with no deployment
 * to touch. Its recipient stays who it was, so the key shows up in
 * `apiKeys(revealedToInactiveMembers: true)` once they are gone.
 */
export async function transferApiKey(db: Executor, actor: ApiActor, id: string, toServiceAccountId: string, now: Date): Promise<ApiKey> {
  const { principal } = actor;
  const key = await findApiKey(db, principal, id);
  assertMayEquipServiceAccount(principal);
  const status = keyStatus(key, now);
  if (status !== 'ACTIVE') throw badUserInput('id', `the key is ${status.toLowerCase()}; only active keys can be transferred.`);
  // Moving a key hands its powers to its new owner's keepers, so the caller must hold them.
  assertMayManage(principal, key, 'transfer');
  return db.transaction(async (tx) => {
    const account = await findServiceAccount(tx, principal.organizationId, toServiceAccountId);
    if (key.ownerServiceAccountId === account.id) throw badUserInput('toServiceAccountId', 'the key already belongs to this service account.');
    assertTransferDoesNotWiden(key, await workingRole(tx, key), account.role);
    const [moved] = await tx
      .update(apiKeys)
      .set({ ownerMemberId: null, ownerServiceAccountId: account.id })
      .where(eq(apiKeys.id, key.id))
      .returning();
    await broadcastKeyChange(tx, { keyId: key.id });
    await recordKeyChange(tx, actor, keyChange('api_key.transferred', moved!, { from: keyOwnerOf(key), to: keyOwnerOf(moved!) }), now);
    return moved!;
  });
}

/**
 * The role the key works with now, as verification computes it. A key that
 * is refused (its owner or recipient deactivated, its service account
 * deleted) is not revived by a transfer: its secret is with someone who left.
 */
async function workingRole(tx: Executor, key: ApiKey): Promise<MemberRole> {
  const refused = () =>
    appError('FORBIDDEN', 'This key is refused because a member behind it has been deactivated; roll or revoke it instead.', {
      reason: 'KEY_REFUSED',
    });
  const owner = keyOwnerOf(key);
  if (owner.kind === 'service-account') {
    const account = await serviceAccountById(tx, owner.serviceAccountId);
    if (!account || account.deletedAt) throw refused();
    return account.role;
  }
  const member = await findMember(tx, owner.memberId);
  const recipient = await findMember(tx, key.recipientMemberId!);
  if (!member?.active || !recipient?.active) throw refused();
  return lowerRole(member.role, recipient.role);
}
