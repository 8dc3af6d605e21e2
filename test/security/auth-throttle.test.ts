/**
 * The failed-auth throttle locked out valid keys sharing an address (an office
 * NAT, a CI provider) with one misconfigured client. Refused: the guesser is
 * slowed, not the office.
 */
import { beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/key-format.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const OFFICE = { 'x-forwarded-for': '203.0.113.77' };
const VIEWER = '{ viewer { scopes } }';

describeIntegrationOnOneTier(`throttle the guesser, not the office`, { env: { TRUST_PROXY: 'true', AUTH_FAILURES_PER_MINUTE: '3' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  it('lets colleagues with valid keys through while a misconfigured client behind the same address is throttled', async () => {
    const colleague = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const coldColleague = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    await harness.request(VIEWER, { key: colleague.secret, headers: OFFICE }); // warm: cached

    for (let i = 0; i < 3; i++) await harness.request(VIEWER, { key: 'sk_test_misconfigured', headers: OFFICE });
    const broken = await harness.request(VIEWER, { key: 'sk_test_misconfigured', headers: OFFICE });
    expect(broken.status).toBe(429);
    expect(broken.body.errors?.[0]?.extensions.code).toBe('AUTHENTICATION_THROTTLED');

    expect((await harness.request(VIEWER, { key: colleague.secret, headers: OFFICE })).status).toBe(200);
    // A valid key this instance has not seen yet still gets its lookup.
    expect((await harness.request(VIEWER, { key: coldColleague.secret, headers: OFFICE })).status).toBe(200);
  });

  it('bounds the lookups a throttled guesser can cause to the failure limit per window', async () => {
    const from = { 'x-forwarded-for': '203.0.113.78' };
    for (let i = 0; i < 3; i++) await harness.request(VIEWER, { key: generateApiKey('SECRET', 'TEST'), headers: from });
    const lookups = harness.app.keyCache.lookups;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await harness.request(VIEWER, { key: generateApiKey('SECRET', 'TEST'), headers: from })).status);
    expect(new Set(statuses)).toEqual(new Set([429]));
    expect(harness.app.keyCache.lookups - lookups).toBeLessThanOrEqual(3);
  });
});
