import { appError } from '../../lib/errors.js';
import { tenantOf, type Principal } from '../principal.js';
import type { MemberRole } from './scopes.js';

/**
 * Who may add members, change their role or activity, and create, change or
 * delete service accounts (all behind `members:manage`, which the MEMBER role
 * never holds). A change to a person or a service account changes what every
 * key they own can do, so the rules mirror key-lifecycle.ts: nobody hands out
 * more than they hold, and no key changes what it acts for. The one rule that
 * needs the database (the last active admin) is kept by the members service.
 */

export type RoleHolder = { id: string; role: MemberRole };

/**
 * Members and service accounts belong to the organization, not to one world:
 * demoting someone narrows their live keys too. A test key stays in the test
 * world, so changing people takes a live key.
 */
export function assertMayChangePeople(actor: Principal): void {
  if (tenantOf(actor).environment === 'TEST') {
    throw appError('FORBIDDEN', 'A test key cannot change members or service accounts, which act in the live world too; use a live key.', {
      reason: 'TEST_KEY',
    });
  }
}

/** Making someone an admin, or changing an admin, takes a caller whose own effective role is ADMIN. */
export function assertMayAssignRole(actor: Principal, target: { role: MemberRole } | null, role: MemberRole | undefined): void {
  if ((role === 'ADMIN' || target?.role === 'ADMIN') && actor.role !== 'ADMIN') {
    throw appError('FORBIDDEN', 'Only a key whose effective role is ADMIN can make an admin or change one.', { reason: 'ADMIN_ROLE' });
  }
}

/** The member a key acts for: its owner, and for a member's key also the member who received its secret. */
export function actsForMember(actor: Principal, memberId: string): boolean {
  const { owner, recipientMemberId } = actor.key;
  if (owner.kind === 'service-account') return false;
  return owner.memberId === memberId || recipientMemberId === memberId;
}

/**
 * No key changes the role or activity of a member it acts for: a demotion
 * or deactivation through one's own key would end or narrow that very key
 * halfway through its request, and a promotion of oneself is escalation.
 * Another admin does it (or an operator: `members:update`).
 */
export function assertMayChangeMember(actor: Principal, target: RoleHolder, change: { role?: MemberRole; active?: boolean }): void {
  if (change.role === undefined && change.active === undefined) return;
  if (actsForMember(actor, target.id)) {
    throw appError('FORBIDDEN', "A key cannot change the role or activity of the member it acts for; ask another admin.", { reason: 'OWN_MEMBER' });
  }
  assertMayAssignRole(actor, target, change.role);
}

/** The same for a service account: its own keys neither change its role nor delete it. */
export function assertMayChangeServiceAccount(actor: Principal, target: RoleHolder, change: { role?: MemberRole } | 'delete'): void {
  const touchesPower = change === 'delete' || change.role !== undefined;
  const { owner } = actor.key;
  if (touchesPower && owner.kind === 'service-account' && owner.serviceAccountId === target.id) {
    throw appError('FORBIDDEN', 'A key cannot change the role of, or delete, the service account it acts for; use another admin key.', {
      reason: 'OWN_SERVICE_ACCOUNT',
    });
  }
  assertMayAssignRole(actor, target, change === 'delete' ? undefined : change.role);
}

export const lastAdminRefusal = () =>
  appError('FORBIDDEN', "This is the organization's last active admin: make another member an admin first.", { reason: 'LAST_ADMIN' });
