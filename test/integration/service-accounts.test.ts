/**
 * Service accounts: organization-owned principals whose keys are capped by
 * their role and outlive the member who received the secret, listed for
 * rolling once that member is gone; deleted with their keys; given keys by
 * creation or by transfer.
 */
import { beforeAll, expect, it } from 'vitest';
import { createdKey, expectOk, expectRequestError, rollKey, viewer } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import {
  createdServiceAccount,
  deleteServiceAccount,
  ownerOf,
  revealedToInactiveMembers,
  SERVICE_ACCOUNT_FIELDS,
  transferKey,
  updateMember,
  updateServiceAccount,
} from '../helpers/members.js';

const scopesOf = async (harness: Parameters<typeof viewer>[0], secret: string) =>
  expectOk(await viewer(harness, secret)).viewer.scopes as string[];

describeIntegrationOnOneTier('service accounts', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  /** An admin member other than the bootstrap one, with a live `*` key. */
  const admin = () => harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });

  it('creates, lists in pages, renames and re-roles service accounts', async () => {
    const ci = await createdServiceAccount(harness, org.adminKey, { name: ' CI deploys ', role: 'MEMBER' });
    harness.advance(1000);
    const sync = await createdServiceAccount(harness, org.adminKey, { name: 'Calendar sync', role: 'ADMIN' });
    const first = expectOk(await harness.request(`{ serviceAccounts(first: 1) { nodes { ${SERVICE_ACCOUNT_FIELDS} } pageInfo { hasNextPage endCursor } } }`, { key: org.adminKey }));
    expect(first.serviceAccounts.nodes).toEqual([{ id: ci, name: 'CI deploys', role: 'MEMBER', createdAt: expect.any(String) }]);
    const rest = expectOk(
      await harness.request('query($after: String) { serviceAccounts(first: 50, after: $after) { nodes { id } } }', {
        key: org.adminKey,
        variables: { after: first.serviceAccounts.pageInfo.endCursor },
      }),
    );
    expect(rest.serviceAccounts.nodes.map((node: { id: string }) => node.id)).toEqual([sync]);

    const renamed = expectOk(await updateServiceAccount(harness, org.adminKey, ci, { name: 'CI', role: 'ADMIN' })).updateServiceAccount;
    expect(renamed).toMatchObject({ id: ci, name: 'CI', role: 'ADMIN' });
  });

  it("gives a service account a key from an admin key: the account owns it, the admin behind the calling key received it", async () => {
    const creator = await admin();
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Billing', role: 'ADMIN' });
    const key = await createdKey(harness, creator.secret, { scopes: ['bookings:read'], ownerServiceAccountId: account });
    expect(await ownerOf(harness, org.adminKey, key.id)).toEqual({
      owner: { __typename: 'ServiceAccount', id: account },
      recipient: { id: creator.memberId },
    });
    expect(await scopesOf(harness, key.secret)).toEqual(['bookings:read']);
  });

  it("caps a service account's key by the account's role, and follows a role change on the next request", async () => {
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Reports', role: 'MEMBER' });
    const key = await createdKey(harness, org.adminKey, { scopes: ['*'], ownerServiceAccountId: account });
    const asMember = await scopesOf(harness, key.secret);
    expect(asMember).toContain('bookings:read');
    expect(asMember).not.toContain('keys:read');
    expect(asMember).not.toContain('members:read');

    expectOk(await updateServiceAccount(harness, org.adminKey, account, { role: 'ADMIN' }));
    expect(await scopesOf(harness, key.secret)).toContain('keys:manage');
    expectOk(await updateServiceAccount(harness, org.adminKey, account, { role: 'MEMBER' }));
    expect(await scopesOf(harness, key.secret)).not.toContain('keys:manage');
  });

  it("keeps a service account's key working after the member who received its secret is deactivated, and lists it for rolling", async () => {
    const leaver = await admin();
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'CI', role: 'ADMIN' });
    const accountKey = await createdKey(harness, leaver.secret, { scopes: ['event-types:read'], environment: 'LIVE', ownerServiceAccountId: account });
    const ownKey = await createdKey(harness, leaver.secret, { scopes: ['event-types:read'], environment: 'LIVE' });
    expect(await revealedToInactiveMembers(harness, org.adminKey)).not.toContain(accountKey.id);

    expectOk(await updateMember(harness, org.adminKey, leaver.memberId, { active: false }));

    expectRequestError(await viewer(harness, ownKey.secret), 401, 'INVALID_API_KEY');
    expectRequestError(await viewer(harness, leaver.secret), 401, 'INVALID_API_KEY');
    expect(await scopesOf(harness, accountKey.secret)).toEqual(['event-types:read']);
    const exposed = await revealedToInactiveMembers(harness, org.adminKey);
    expect(exposed).toContain(accountKey.id);
    expect(exposed).not.toContain(ownKey.id);

    // Rolling hands the new secret to the admin who rolls, and ends the one the leaver saw.
    const rolled = expectOk(await rollKey(harness, org.adminKey, accountKey.id)).rollApiKey;
    expect(await ownerOf(harness, org.adminKey, rolled.apiKey.id)).toEqual({
      owner: { __typename: 'ServiceAccount', id: account },
      recipient: { id: org.adminMemberId },
    });
    const after = await revealedToInactiveMembers(harness, org.adminKey);
    expect(after).not.toContain(accountKey.id);
    expect(after).not.toContain(rolled.apiKey.id);
    expectRequestError(await viewer(harness, accountKey.secret), 401, 'INVALID_API_KEY', /revoked/);
    expect(await scopesOf(harness, rolled.secret)).toEqual(['event-types:read']);
  });

  it('ends every key of a deleted service account on the next request, each revoked with an audit record', async () => {
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Old integration', role: 'ADMIN' });
    const keys = [
      await createdKey(harness, org.adminKey, { scopes: ['team:read'], environment: 'LIVE', ownerServiceAccountId: account }),
      await createdKey(harness, org.adminKey, { scopes: ['team:read'], environment: 'TEST', ownerServiceAccountId: account }),
    ];
    for (const key of keys) expectOk(await viewer(harness, key.secret));

    expect(expectOk(await deleteServiceAccount(harness, org.adminKey, account)).deleteServiceAccount.id).toBe(account);

    for (const key of keys) expectRequestError(await viewer(harness, key.secret), 401, 'INVALID_API_KEY', /revoked/);
    const audit = expectOk(
      await harness.request('{ auditEvents(action: "api_key.revoked", first: 200) { nodes { targetId apiKeyId details } } }', { key: org.adminKey }),
    );
    for (const key of keys) {
      expect(audit.auditEvents.nodes).toContainEqual(
        expect.objectContaining({ targetId: key.id, apiKeyId: org.adminKeyId, details: expect.objectContaining({ serviceAccountId: account }) }),
      );
    }
    const listed = expectOk(await harness.request('{ serviceAccounts(first: 200) { nodes { id } } }', { key: org.adminKey }));
    expect(listed.serviceAccounts.nodes.map((node: { id: string }) => node.id)).not.toContain(account);
    // The revoked keys still say whose they were.
    expect((await ownerOf(harness, org.adminKey, keys[0]!.id)).owner).toEqual({ __typename: 'ServiceAccount', id: account });
  });

  it("transfers a member's key to a service account: the same secret keeps working, now owned by the account, and outlives the member", async () => {
    const member = await admin();
    const account = await createdServiceAccount(harness, org.adminKey, { name: 'Deploys', role: 'ADMIN' });
    const key = await createdKey(harness, member.secret, { scopes: ['event-types:read', 'keys:read'], environment: 'LIVE' });
    expect(await scopesOf(harness, key.secret)).toEqual(['event-types:read', 'keys:read']);

    const moved = expectOk(await transferKey(harness, org.adminKey, key.id, account)).transferApiKey;
    expect(moved).toMatchObject({ id: key.id, preview: key.apiKey.preview, owner: { __typename: 'ServiceAccount', id: account }, recipient: { id: member.memberId } });
    expect(await scopesOf(harness, key.secret)).toEqual(['event-types:read', 'keys:read']);

    const audit = expectOk(
      await harness.request('{ auditEvents(action: "api_key.transferred", first: 10) { nodes { targetId apiKeyId details } } }', { key: org.adminKey }),
    );
    expect(audit.auditEvents.nodes).toContainEqual(
      expect.objectContaining({
        targetId: key.id,
        apiKeyId: org.adminKeyId,
        details: expect.objectContaining({
          from: { kind: 'member', memberId: member.memberId },
          to: { kind: 'service-account', serviceAccountId: account },
        }),
      }),
    );

    expectOk(await updateMember(harness, org.adminKey, member.memberId, { active: false }));
    expect(await scopesOf(harness, key.secret)).toEqual(['event-types:read', 'keys:read']);
    expect(await revealedToInactiveMembers(harness, org.adminKey)).toContain(key.id);
  });
});
