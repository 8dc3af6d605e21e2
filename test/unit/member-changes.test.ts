/**
 * The people policy on its own, with callers the API cannot make today (a
 * MEMBER-role caller holding members:manage): the role rules must hold even
 * if a role ceiling ever lets such a caller through.
 */
import { describe, expect, it } from 'vitest';
import { assertTransferDoesNotWiden, recipientFor } from '../../src/auth/access/key-lifecycle.js';
import {
  assertMayAssignRole,
  assertMayChangeMember,
  assertMayChangePeople,
  assertMayChangeServiceAccount,
} from '../../src/auth/access/member-changes.js';
import type { MemberRole, Scope } from '../../src/auth/access/scopes.js';
import type { KeyOwner } from '../../src/auth/key-state.js';
import type { Principal } from '../../src/auth/principal.js';
import { NO_KEY_POLICY } from '../../src/auth/access/key-policy.js';

function caller(role: MemberRole, owner: KeyOwner, options: { recipient?: string | null; environment?: 'LIVE' | 'TEST' } = {}): Principal {
  return {
    kind: 'api-key',
    id: 'key_caller',
    organizationId: 'org_1',
    role,
    scopes: new Set<Scope>(['members:manage', 'keys:manage']),
    keyPolicy: NO_KEY_POLICY,
    key: {
      type: 'SECRET',
      environment: options.environment ?? 'LIVE',
      owner,
      recipientMemberId: options.recipient === undefined ? (owner.kind === 'member' ? owner.memberId : 'mem_holder') : options.recipient,
      allowedIps: null,
      endsAt: null,
      allowedOrigins: [],
    },
  };
}

const reasonOf = (work: () => void) => {
  try {
    work();
  } catch (error) {
    return (error as { details: { reason?: string } }).details.reason;
  }
  return 'allowed';
};

const member = caller('MEMBER', { kind: 'member', memberId: 'mem_me' });
const admin = caller('ADMIN', { kind: 'member', memberId: 'mem_me' });

describe('who may change people', () => {
  it('lets only an ADMIN-role caller make an admin or change one', () => {
    expect(reasonOf(() => assertMayAssignRole(member, null, 'ADMIN'))).toBe('ADMIN_ROLE');
    expect(reasonOf(() => assertMayChangeMember(member, { id: 'mem_x', role: 'MEMBER' }, { role: 'ADMIN' }))).toBe('ADMIN_ROLE');
    expect(reasonOf(() => assertMayChangeMember(member, { id: 'mem_x', role: 'ADMIN' }, { active: false }))).toBe('ADMIN_ROLE');
    expect(reasonOf(() => assertMayChangeServiceAccount(member, { id: 'sa_x', role: 'ADMIN' }, 'delete'))).toBe('ADMIN_ROLE');
    expect(reasonOf(() => assertMayChangeMember(member, { id: 'mem_x', role: 'MEMBER' }, { active: false }))).toBe('allowed');
    expect(reasonOf(() => assertMayChangeMember(admin, { id: 'mem_x', role: 'MEMBER' }, { role: 'ADMIN' }))).toBe('allowed');
  });

  it('refuses a change to the member or service account the calling key acts for', () => {
    expect(reasonOf(() => assertMayChangeMember(admin, { id: 'mem_me', role: 'ADMIN' }, { role: 'MEMBER' }))).toBe('OWN_MEMBER');
    const robot = caller('ADMIN', { kind: 'service-account', serviceAccountId: 'sa_me' }, { recipient: 'mem_holder' });
    expect(reasonOf(() => assertMayChangeServiceAccount(robot, { id: 'sa_me', role: 'ADMIN' }, { role: 'MEMBER' }))).toBe('OWN_SERVICE_ACCOUNT');
    // A service account's key does not act for the member who received it.
    expect(reasonOf(() => assertMayChangeMember(robot, { id: 'mem_holder', role: 'ADMIN' }, { role: 'MEMBER' }))).toBe('allowed');
  });

  it('keeps test keys away from people', () => {
    expect(reasonOf(() => assertMayChangePeople(caller('ADMIN', { kind: 'member', memberId: 'mem_me' }, { environment: 'TEST' })))).toBe('TEST_KEY');
    expect(reasonOf(() => assertMayChangePeople(admin))).toBe('allowed');
  });
});

describe('service-account keys', () => {
  it('refuses a transfer under which a key would gain scopes, and allows one that keeps or narrows them', () => {
    expect(reasonOf(() => assertTransferDoesNotWiden({ scopes: ['*'], type: 'SECRET' }, 'MEMBER', 'ADMIN'))).toBe('WIDENS_KEY');
    expect(reasonOf(() => assertTransferDoesNotWiden({ scopes: ['bookings:read'], type: 'SECRET' }, 'MEMBER', 'ADMIN'))).toBe('allowed');
    expect(reasonOf(() => assertTransferDoesNotWiden({ scopes: ['*'], type: 'SECRET' }, 'ADMIN', 'MEMBER'))).toBe('allowed');
    expect(reasonOf(() => assertTransferDoesNotWiden({ scopes: ['*'], type: 'PUBLIC' }, 'MEMBER', 'ADMIN'))).toBe('allowed');
  });

  it("names the member behind the calling key as a new secret's recipient; a CLI-issued service-account key hands a member's key to its owner", () => {
    expect(recipientFor(admin, { kind: 'service-account', serviceAccountId: 'sa_x' })).toBe('mem_me');
    const cliRobot = caller('ADMIN', { kind: 'service-account', serviceAccountId: 'sa_me' }, { recipient: null });
    expect(recipientFor(cliRobot, { kind: 'member', memberId: 'mem_owner' })).toBe('mem_owner');
    expect(recipientFor(cliRobot, { kind: 'service-account', serviceAccountId: 'sa_x' })).toBeNull();
  });
});
