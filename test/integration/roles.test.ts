import { beforeAll, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../src/auth/access/scopes.js';
import { updateMember } from '../../src/modules/members/members.service.js';
import { expectFieldError, expectOk, expectRequestError, viewer } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const WITHHELD_FROM_MEMBERS = ['audit:read', 'keys:manage', 'keys:read', 'members:manage', 'members:read', 'webhooks:manage'];

/** A key's effective scopes are its own intersected with its owner's role, read fresh on every request. */
describeIntegrationOnOneTier('member roles', (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  it('gives a MEMBER-owned * key everything but keys, webhooks:manage, audit and members', async () => {
    const key = await harness.makeKey({ organization: org, role: 'MEMBER', scopes: ['*'] });
    const { scopes } = expectOk(await viewer(harness, key.secret)).viewer;
    expect(scopes).toEqual(ALL_SCOPES.filter((scope) => !WITHHELD_FROM_MEMBERS.includes(scope)).sort());

    const denied = await harness.request('{ viewer { organization { id } } apiKeys { id } }', { key: key.secret });
    const error = expectFieldError(denied, 'FORBIDDEN');
    expect(error.extensions.requiredScopes).toEqual([['keys:read']]);
    expect(denied.body.data).toEqual({ viewer: { organization: { id: org.organizationId } }, apiKeys: null });

    expectFieldError(await harness.request('{ auditEvents { nodes { id } } }', { key: key.secret }), 'FORBIDDEN');
    expectOk(await harness.request('{ eventTypes(first: 200) { nodes { id } } }', { key: key.secret }));
  });

  it('applies a demotion to the member\'s keys on the next request, and a promotion back', async () => {
    const key = await harness.makeKey({ organization: org, role: 'ADMIN', scopes: ['keys:read', 'event-types:read'] });
    expectOk(await harness.request('{ apiKeys { id } }', { key: key.secret }));

    await updateMember(harness.db, key.memberId, { role: 'MEMBER' });
    expectFieldError(await harness.request('{ apiKeys { id } }', { key: key.secret }), 'FORBIDDEN');
    expect(expectOk(await viewer(harness, key.secret)).viewer.scopes).toEqual(['event-types:read']);

    await updateMember(harness.db, key.memberId, { role: 'ADMIN' });
    expectOk(await harness.request('{ apiKeys { id } }', { key: key.secret }));
  });

  it('refuses every key of a deactivated member on the next request, and accepts them again on reactivation', async () => {
    const first = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const second = await harness.makeKey({ organization: org, memberId: first.memberId, scopes: ['team:read'] });
    expectOk(await viewer(harness, first.secret));

    await updateMember(harness.db, first.memberId, { active: false });
    for (const key of [first, second]) {
      expectRequestError(await viewer(harness, key.secret), 401, 'INVALID_API_KEY', /deactivated/);
    }

    await updateMember(harness.db, first.memberId, { active: true });
    expectOk(await viewer(harness, second.secret));
  });

  it("leaves other members' keys alone", async () => {
    const demoted = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const bystander = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    await updateMember(harness.db, demoted.memberId, { role: 'MEMBER' });
    expectOk(await harness.request('{ apiKeys { id } }', { key: bystander.secret }));
  });
});
