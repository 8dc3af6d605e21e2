/**
 * The story an organization's security team asks for, end to end through the
 * API: an admin sets up an integration under a service account, with a live
 * key fenced to the integration's addresses; sets a 90-day maximum lifetime;
 * another admin's attempt at a never-expiring live key is refused by the
 * rule's name; the first admin leaves, and the integration keeps working —
 * while the organization can see which working key the departed admin saw.
 */
import { beforeAll, expect, it } from 'vitest';
import { createdKey, createKey, expectOk, updatePolicy } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { createdServiceAccount, updateMember } from '../helpers/members.js';

const INTEGRATION_ADDRESS = '203.0.113.20';

describeIntegrationOnOneTier('who holds a key, and the organization rules for keys: the story', { env: { TRUST_PROXY: 'true' } }, (harness) => {
  let org: TestOrganization;
  let otherAdmin: { secret: string; memberId: string };

  beforeAll(async () => {
    org = await harness.organization('LIVE');
    otherAdmin = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE', role: 'ADMIN' });
  });

  const viewerFrom = (key: string, address: string) =>
    harness.request('{ viewer { scopes } eventTypes(first: 1) { nodes { id } } }', { key, headers: { 'x-forwarded-for': address } });

  it('keeps the integration running after the admin who set it up leaves, within the policy', async () => {
    // 1. The first admin makes a service account and its live key, fenced to the integration's network.
    const billing = await createdServiceAccount(harness, org.adminKey, { name: 'Billing sync', role: 'MEMBER' });
    const integration = await createdKey(harness, org.adminKey, {
      name: 'billing sync (production)',
      environment: 'LIVE',
      scopes: ['event-types:read'],
      expiresIn: 'DAYS_90',
      allowedIps: ['203.0.113.0/24'],
      ownerServiceAccountId: billing,
    });
    expectOk(await viewerFrom(integration.secret, INTEGRATION_ADDRESS));

    // 2. A 90-day maximum for keys created or rolled from now on.
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 90 }));

    // 3. Another admin's never-expiring live key is refused, naming the rule.
    const refused = await createKey(harness, otherAdmin.secret, { environment: 'LIVE', scopes: ['event-types:read'], expiresIn: 'NEVER' });
    expect(refused.body.data?.createApiKey ?? null).toBeNull();
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresIn', reason: 'policy.maxLifetimeDays' });

    // 4. The admin who set the integration up leaves.
    expectOk(await updateMember(harness, otherAdmin.secret, org.adminMemberId, { active: false }));
    const departed = await harness.request('{ viewer { scopes } }', { key: org.adminKey, headers: { 'x-forwarded-for': INTEGRATION_ADDRESS } });
    expect(departed.status).toBe(401);

    // 5. The integration keeps working from its network, and only from there.
    expectOk(await viewerFrom(integration.secret, INTEGRATION_ADDRESS));
    const elsewhere = await viewerFrom(integration.secret, '198.51.100.9');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.errors?.[0]?.extensions).toMatchObject({ reason: 'IP_NOT_ALLOWED' });

    // 6. The exposure is visible: a working key whose secret a departed member saw, to roll.
    const exposed = await harness.request('{ apiKeys(revealedToInactiveMembers: true) { id } }', {
      key: otherAdmin.secret,
      headers: { 'x-forwarded-for': INTEGRATION_ADDRESS },
    });
    expect(expectOk(exposed).apiKeys.map((key: { id: string }) => key.id)).toEqual([integration.id]);
  });
});
