/**
 * Managing people and service accounts is managing every key they own: each
 * test is an attempt to read who holds keys, to grant oneself more through a
 * role, or to keep a departed member's secret alive, and what refuses it.
 */
import { beforeAll, expect, it } from 'vitest';
import { createdKey, createKey, expectBadUserInput, expectFieldError, expectOk, expectRequestError, rollKey, viewer } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import {
  addMember,
  createdServiceAccount,
  createServiceAccount,
  deleteServiceAccount,
  ownerOf,
  transferKey,
  updateMember,
  updateServiceAccount,
} from '../helpers/members.js';

describeIntegrationOnOneTier('who may manage members and service accounts', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  const reasonOf = (error: { extensions: Record<string, unknown> }) => error.extensions.reason;

  it("refuses a MEMBER's key, whatever it was granted, reading members, service accounts or a key's owner", async () => {
    const key = await harness.makeKey({ organization: org, role: 'MEMBER', scopes: ['*'], environment: 'LIVE' });
    const members = expectFieldError(await harness.request('{ members { nodes { email } } }', { key: key.secret }), 'FORBIDDEN');
    expect(members.extensions.requiredScopes).toEqual([['members:read']]);
    expectFieldError(await harness.request(`{ member(id: "${org.adminMemberId}") { email } }`, { key: key.secret }), 'FORBIDDEN');
    expectFieldError(await harness.request('{ serviceAccounts { nodes { id } } }', { key: key.secret }), 'FORBIDDEN');
    const own = await harness.request('{ viewer { apiKey { id owner { ... on Member { email } } } } }', { key: key.secret });
    expect(own.body.data?.viewer.apiKey).toEqual({ id: key.id, owner: null });
    expect(JSON.stringify(own.body)).not.toContain('@example.com');
  });

  it('refuses members:read and members:manage on a public key, and shows a public key no member or service account', async () => {
    for (const scope of ['members:read', 'members:manage']) {
      const refused = expectBadUserInput(await createKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['event-types:read', scope] }), 'scopes');
      expect(refused.message).toContain(scope);
    }
    const site = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: ['event-types:read'], environment: 'TEST' });
    const response = await harness.request('{ viewer { apiKey { owner { ... on Member { email } ... on ServiceAccount { name } } recipient { email } } } }', { key: site.secret });
    expect(response.body.data?.viewer.apiKey).toEqual({ owner: null, recipient: null });
  });

  it('refuses a MEMBER-owned key granted members:manage promoting anyone, itself included', async () => {
    const key = await harness.makeKey({ organization: org, role: 'MEMBER', scopes: ['members:manage'], environment: 'LIVE' });
    const refused = expectFieldError(await updateMember(harness, key.secret, key.memberId, { role: 'ADMIN' }), 'FORBIDDEN');
    expect(refused.extensions.requiredScopes).toEqual([['members:manage']]);
    expectFieldError(await addMember(harness, key.secret, { email: 'crony@example.com', role: 'ADMIN' }), 'FORBIDDEN');
    // Nor through a service account of the MEMBER role.
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Helper', role: 'MEMBER' });
    const robot = await createdKey(harness, org.adminKey, { scopes: ['*'], environment: 'LIVE', ownerServiceAccountId: account });
    expectFieldError(await updateMember(harness, robot.secret, key.memberId, { role: 'ADMIN' }), 'FORBIDDEN');
    expectFieldError(await updateServiceAccount(harness, robot.secret, account, { role: 'ADMIN' }), 'FORBIDDEN');
    expectFieldError(await createKey(harness, robot.secret, { scopes: ['*'], ownerServiceAccountId: account }), 'FORBIDDEN');
  });

  it('refuses a key changing the role or activity of the member it acts for, as owner or as recipient', async () => {
    const self = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });
    for (const change of [{ role: 'MEMBER' as const }, { active: false }]) {
      expect(reasonOf(expectFieldError(await updateMember(harness, self.secret, self.memberId, change), 'FORBIDDEN'))).toBe('OWN_MEMBER');
    }
    // A secret received by rolling someone else's key acts for its recipient as well as its owner.
    const other = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });
    const rolled = expectOk(await rollKey(harness, self.secret, other.id, 60)).rollApiKey;
    for (const target of [self.memberId, other.memberId]) {
      expect(reasonOf(expectFieldError(await updateMember(harness, rolled.secret, target, { role: 'MEMBER' }), 'FORBIDDEN'))).toBe('OWN_MEMBER');
    }
    expect(expectOk(await viewer(harness, self.secret)).viewer.scopes).toContain('members:manage');
  });

  it("refuses a service account's key changing the role of, or deleting, its own account", async () => {
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Self', role: 'ADMIN' });
    const robot = await createdKey(harness, org.adminKey, { scopes: ['*'], environment: 'LIVE', ownerServiceAccountId: account });
    expect(reasonOf(expectFieldError(await updateServiceAccount(harness, robot.secret, account, { role: 'MEMBER' }), 'FORBIDDEN'))).toBe('OWN_SERVICE_ACCOUNT');
    expect(reasonOf(expectFieldError(await deleteServiceAccount(harness, robot.secret, account), 'FORBIDDEN'))).toBe('OWN_SERVICE_ACCOUNT');
    expectOk(await updateServiceAccount(harness, robot.secret, account, { name: 'Renamed' }));
    expectOk(await viewer(harness, robot.secret));
  });

  it('refuses a test key changing members or service accounts, which act in the live world too', async () => {
    const testAdmin = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'TEST' });
    const victim = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });
    expect(reasonOf(expectFieldError(await updateMember(harness, testAdmin.secret, victim.memberId, { active: false }), 'FORBIDDEN'))).toBe('TEST_KEY');
    expect(reasonOf(expectFieldError(await addMember(harness, testAdmin.secret, { email: 'x@example.com', role: 'ADMIN' }), 'FORBIDDEN'))).toBe('TEST_KEY');
    expect(reasonOf(expectFieldError(await createServiceAccount(harness, testAdmin.secret, { name: 'X', role: 'ADMIN' }), 'FORBIDDEN'))).toBe('TEST_KEY');
    expectOk(await viewer(harness, victim.secret));
    // Reading is fine: members are not in either world.
    expectOk(await harness.request('{ members { nodes { id } } }', { key: testAdmin.secret }));
  });

  it("refuses a transfer that would widen a key: a MEMBER's * key does not become an admin key", async () => {
    const member = await harness.makeKey({ organization: org, role: 'MEMBER', scopes: ['*'], environment: 'LIVE' });
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Admin robot', role: 'ADMIN' });
    const refused = expectFieldError(await transferKey(harness, org.adminKey, member.id, account), 'FORBIDDEN');
    expect(refused.extensions).toMatchObject({ reason: 'WIDENS_KEY', deniedScopes: expect.arrayContaining(['keys:manage', 'members:manage']) });
    expect((await ownerOf(harness, org.adminKey, member.id)).owner).toEqual({ __typename: 'Member', id: member.memberId });
    expect(expectOk(await viewer(harness, member.secret)).viewer.scopes).not.toContain('keys:manage');
  });

  it("refuses transferring a departed member's key: its secret is not revived", async () => {
    const leaver = await harness.makeKey({ organization: org, scopes: ['event-types:read'], environment: 'LIVE' });
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Catcher', role: 'ADMIN' });
    expectOk(await updateMember(harness, org.adminKey, leaver.memberId, { active: false }));
    expect(reasonOf(expectFieldError(await transferKey(harness, org.adminKey, leaver.id, account), 'FORBIDDEN'))).toBe('KEY_REFUSED');
    expectRequestError(await viewer(harness, leaver.secret), 401, 'INVALID_API_KEY');
  });

  it('refuses a transfer by a key that does not hold everything the key holds', async () => {
    const powerful = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage'], environment: 'LIVE' });
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Target', role: 'ADMIN' });
    const refused = expectFieldError(await transferKey(harness, manager.secret, powerful.id, account), 'FORBIDDEN');
    expect(refused.message).toMatch(/cannot transfer a key holding scopes/);
  });

  it("answers another organization's service account with NOT_FOUND, as owner of a new key, transfer target or change", async () => {
    const other = await harness.organization('LIVE');
    const theirs = await createdServiceAccount(harness, other.adminKey, { name: 'Theirs', role: 'ADMIN' });
    const mine = await harness.makeKey({ organization: org, scopes: ['event-types:read'], environment: 'LIVE' });
    expectFieldError(await createKey(harness, org.adminKey, { scopes: ['*'], ownerServiceAccountId: theirs }), 'NOT_FOUND');
    expectFieldError(await transferKey(harness, org.adminKey, mine.id, theirs), 'NOT_FOUND');
    expectFieldError(await updateServiceAccount(harness, org.adminKey, theirs, { role: 'MEMBER' }), 'NOT_FOUND');
    expectFieldError(await deleteServiceAccount(harness, org.adminKey, theirs), 'NOT_FOUND');
    const listed = expectOk(await harness.request('{ serviceAccounts(first: 200) { nodes { id } } }', { key: org.adminKey }));
    expect(listed.serviceAccounts.nodes.map((node: { id: string }) => node.id)).not.toContain(theirs);
  });
});
