/**
 * Members through the API: listed and read with members:read, added and
 * changed with members:manage, and every change reaching their keys on the
 * next request. The refusals (who may not) are test/security/member-management.test.ts.
 */
import { beforeAll, expect, it } from 'vitest';
import { updateMember as operatorUpdate } from '../../src/modules/members/members.service.js';
import { createdKey, expectBadUserInput, expectFieldError, expectOk, expectRequestError, rollKey, viewer } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { addMember, createdServiceAccount, MEMBER_FIELDS, updateMember } from '../helpers/members.js';

const MEMBERS_PAGE = `query Page($first: Int, $after: String) {
  members(first: $first, after: $after) { nodes { ${MEMBER_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

describeIntegration('members through the API', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  const addedMember = async (email: string, role: 'ADMIN' | 'MEMBER') =>
    expectOk(await addMember(harness, org.adminKey, { email, role })).addMember as { id: string; email: string };

  it('lists members oldest first in pages, deactivated ones included, and reads one by id', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['members:read'] });
    const ann = await addedMember('ann@example.com', 'MEMBER');
    harness.advance(1000);
    const bob = expectOk(await addMember(harness, org.adminKey, { email: 'Bob@Example.com', name: ' Bob ', role: 'ADMIN' })).addMember;
    expect(bob).toMatchObject({ email: 'bob@example.com', name: 'Bob', role: 'ADMIN', active: true });
    expectOk(await updateMember(harness, org.adminKey, ann.id, { active: false }));

    const ids: string[] = [];
    let after: string | null = null;
    do {
      const page: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } = expectOk(
        await harness.request(MEMBERS_PAGE, { key: reader.secret, variables: { first: 2, after } }),
      ).members;
      expect(page.nodes.length).toBeLessThanOrEqual(2);
      ids.push(...page.nodes.map((node) => node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([org.adminMemberId, reader.memberId, ann.id, bob.id]));
    expect(ids.indexOf(ann.id)).toBeLessThan(ids.indexOf(bob.id));
    expect(ids.at(-1)).toBe(bob.id);

    const one = expectOk(await harness.request(`query($id: ID!) { member(id: $id) { ${MEMBER_FIELDS} } }`, { key: reader.secret, variables: { id: ann.id } }));
    expect(one.member).toMatchObject({ id: ann.id, email: 'ann@example.com', role: 'MEMBER', active: false });
    expect(Date.parse(one.member.createdAt)).toBe(harness.clock.getTime() - 1000);
  });

  it("answers another organization's member with NOT_FOUND, to reads and changes alike", async () => {
    const other = await harness.organization('LIVE');
    expectFieldError(await harness.request(`{ member(id: "${other.adminMemberId}") { id } }`, { key: org.adminKey }), 'NOT_FOUND');
    expectFieldError(await updateMember(harness, org.adminKey, other.adminMemberId, { role: 'MEMBER' }), 'NOT_FOUND');
    expect(expectOk(await viewer(harness, other.adminKey)).viewer.scopes).toContain('keys:manage');
  });

  it('refuses a second member with the same email (in any case) in one organization, naming email', async () => {
    await addedMember('carol@example.com', 'MEMBER');
    expectBadUserInput(await addMember(harness, org.adminKey, { email: 'CAROL@example.com', role: 'MEMBER' }), 'email');
    expectBadUserInput(await addMember(harness, org.adminKey, { email: 'not an email', role: 'MEMBER' }), 'email');
    // Another organization may have a carol too.
    const other = await harness.organization('LIVE');
    expectOk(await addMember(harness, other.adminKey, { email: 'carol@example.com', role: 'MEMBER' }));
  });

  it("narrows a demoted member's keys to the MEMBER role on their next request, and widens them again on promotion", async () => {
    const dana = await addedMember('dana@example.com', 'ADMIN');
    const key = await harness.makeKey({ organization: org, memberId: dana.id, scopes: ['keys:read', 'event-types:read'] });
    expectOk(await harness.request('{ apiKeys { id } }', { key: key.secret }));

    expectOk(await updateMember(harness, org.adminKey, dana.id, { role: 'MEMBER' }));
    expectFieldError(await harness.request('{ apiKeys { id } }', { key: key.secret }), 'FORBIDDEN');
    expect(expectOk(await viewer(harness, key.secret)).viewer.scopes).toEqual(['event-types:read']);

    expectOk(await updateMember(harness, org.adminKey, dana.id, { role: 'ADMIN' }));
    expectOk(await harness.request('{ apiKeys { id } }', { key: key.secret }));
  });

  it('refuses, on their next request, the keys of a deactivated member and every secret they received for another member’s key', async () => {
    const erin = await addedMember('erin@example.com', 'ADMIN');
    const own = await harness.makeKey({ organization: org, memberId: erin.id, scopes: ['*'], environment: 'LIVE' });
    const colleague = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const rolled = expectOk(await rollKey(harness, own.secret, colleague.id)).rollApiKey;
    expectOk(await viewer(harness, rolled.secret));

    expectOk(await updateMember(harness, org.adminKey, erin.id, { active: false }));
    expectRequestError(await viewer(harness, own.secret), 401, 'INVALID_API_KEY', /owns this API key has been deactivated/);
    expectRequestError(await viewer(harness, rolled.secret), 401, 'INVALID_API_KEY', /issued to has been deactivated/);

    expectOk(await updateMember(harness, org.adminKey, erin.id, { active: true }));
    expectOk(await viewer(harness, own.secret));
  });

  it("keeps the organization's last active admin: neither demoted nor deactivated, through the API or by an operator", async () => {
    const solo = await harness.organization('LIVE');
    const second = await harness.makeKey({ organization: solo, scopes: ['*'], environment: 'LIVE' });
    // A service account's admin key may change any member: the refusal below is the last-admin rule alone.
    const account = await createdServiceAccount(harness, solo.adminKey, { name: 'Ops', role: 'ADMIN' });
    const robot = await createdKey(harness, solo.adminKey, { scopes: ['*'], environment: 'LIVE', ownerServiceAccountId: account });

    expectOk(await updateMember(harness, robot.secret, solo.adminMemberId, { role: 'MEMBER' }));
    for (const change of [{ role: 'MEMBER' as const }, { active: false }]) {
      const refused = expectFieldError(await updateMember(harness, robot.secret, second.memberId, change), 'FORBIDDEN');
      expect(refused.extensions.reason).toBe('LAST_ADMIN');
    }
    await expect(operatorUpdate(harness.db, second.memberId, { active: false })).rejects.toMatchObject({ details: { reason: 'LAST_ADMIN' } });
    // With another active admin again, the same change goes through.
    expectOk(await updateMember(harness, robot.secret, solo.adminMemberId, { role: 'ADMIN' }));
    expectOk(await updateMember(harness, robot.secret, second.memberId, { active: false }));
    expect(expectOk(await viewer(harness, robot.secret)).viewer.scopes).toContain('members:manage');
  });

  it('lets only one of two admins demoting each other at once succeed', async () => {
    const pair = await harness.organization('LIVE');
    const other = await harness.makeKey({ organization: pair, scopes: ['*'], environment: 'LIVE' });
    const account = await createdServiceAccount(harness, pair.adminKey, { name: 'Ops', role: 'ADMIN' });
    const robot = await createdKey(harness, pair.adminKey, { scopes: ['*'], environment: 'LIVE', ownerServiceAccountId: account });

    const results = await Promise.all([
      updateMember(harness, robot.secret, pair.adminMemberId, { role: 'MEMBER' }),
      updateMember(harness, robot.secret, other.memberId, { active: false }),
    ]);
    const succeeded = results.filter((response) => response.body.data?.updateMember);
    expect(succeeded).toHaveLength(1);
    const refused = results.find((response) => !response.body.data?.updateMember)!;
    expect(refused.body.errors?.[0]?.extensions.reason).toBe('LAST_ADMIN');
  });
});
