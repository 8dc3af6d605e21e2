/**
 * Key lifecycle follows the holder: each test is an attack a departing admin
 * or an over-reaching key tries, and what refuses it.
 */
import { beforeAll, expect, it } from 'vitest';
import { updateMember } from '../../src/modules/members/members.service.js';
import {
  createdKey,
  createKey,
  expectFieldError,
  expectOk,
  expectRequestError,
  revokeKey,
  rollKey,
  viewer,
} from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const DAY = 86_400_000;

const setLimit = (harness: TestHarness, key: string, id: string, limit: { requests: number; windowSeconds: number } | null) =>
  harness.request('mutation Limit($id: ID!, $limit: ApiKeyRateLimitInput) { setApiKeyRateLimit(id: $id, limit: $limit) { id rateLimit { requests windowSeconds } } }', {
    key,
    variables: { id, limit },
  });

describeIntegrationOnOneTier(`key lifecycle follows the holder`, { env: { RATE_LIMIT_TEST_PER_MINUTE: '100' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  it("ends a secret the departing admin received by rolling another admin's key, and it mints nothing", async () => {
    const victim = await harness.makeKey({ organization: org, scopes: ['*'] });
    const departing = await harness.makeKey({ organization: org, scopes: ['*'] });
    const rolled = expectOk(await rollKey(harness, departing.secret, victim.id, 7 * 24 * 3600)).rollApiKey;

    await updateMember(harness.db, departing.memberId, { active: false });

    expectRequestError(await viewer(harness, rolled.secret), 401, 'INVALID_API_KEY', /issued to has been deactivated/);
    expectRequestError(await createKey(harness, rolled.secret, { scopes: ['*'] }), 401, 'INVALID_API_KEY');
    // The owner's own copy, still in its grace period, keeps working: it is theirs.
    expect(expectOk(await viewer(harness, victim.secret)).viewer.apiKey.id).toBe(victim.id);
  });

  it('narrows a secret to the role of the member who received it when they are demoted', async () => {
    const owner = await harness.makeKey({ organization: org, scopes: ['*'] });
    const roller = await harness.makeKey({ organization: org, scopes: ['*'] });
    const rolled = expectOk(await rollKey(harness, roller.secret, owner.id, 60)).rollApiKey;
    expect(expectOk(await viewer(harness, rolled.secret)).viewer.scopes).toContain('keys:manage');

    await updateMember(harness.db, roller.memberId, { role: 'MEMBER' });

    const scopes = expectOk(await viewer(harness, rolled.secret)).viewer.scopes as string[];
    expect(scopes).not.toContain('keys:manage');
    expect(scopes).not.toContain('audit:read');
    expectFieldError(await createKey(harness, rolled.secret, { scopes: ['keys:read'] }), 'FORBIDDEN');
  });

  it('ends keys created with a departing member’s key, whoever owns them', async () => {
    const departing = await harness.makeKey({ organization: org, scopes: ['*'] });
    const minted = await createdKey(harness, departing.secret, { scopes: ['event-types:read'] });
    await updateMember(harness.db, departing.memberId, { active: false });
    expectRequestError(await viewer(harness, minted.secret), 401, 'INVALID_API_KEY');
  });

  it('refuses a keys:manage-only key revoking a * key, and lets any key revoke itself', async () => {
    const powerful = await harness.makeKey({ organization: org, scopes: ['*'] });
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage'] });
    const refused = expectFieldError(await revokeKey(harness, manager.secret, powerful.id), 'FORBIDDEN');
    expect(refused.message).toMatch(/cannot revoke a key holding scopes it does not hold/);
    expect(expectOk(await viewer(harness, powerful.secret)).viewer.apiKey.status).toBe('ACTIVE');

    expect(expectOk(await revokeKey(harness, manager.secret, manager.id)).revokeApiKey.status).toBe('REVOKED');
  });

  it('refuses a key that expires in 7 days creating a key that never expires, or outlives it', async () => {
    const shortLived = await createdKey(harness, org.adminKey, { scopes: ['keys:manage', 'event-types:read'], expiresIn: 'DAYS_7' });
    const never = expectFieldError(await createKey(harness, shortLived.secret, { scopes: ['event-types:read'], expiresIn: 'NEVER' }), 'FORBIDDEN');
    expect(never.extensions.reason).toBe('OUTLIVES_CALLER');
    expectFieldError(await createKey(harness, shortLived.secret, { scopes: ['event-types:read'], expiresIn: 'DAYS_30' }), 'FORBIDDEN');
    harness.advance(DAY);
    expectFieldError(await createKey(harness, shortLived.secret, { scopes: ['event-types:read'], expiresIn: 'DAYS_7' }), 'FORBIDDEN');
    harness.advance(-DAY);
  });

  it('refuses a 7-day key rolling a never-expiring key (the successor would outlive it)', async () => {
    const shortLived = await createdKey(harness, org.adminKey, { scopes: ['*'], expiresIn: 'DAYS_7' });
    const target = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'NEVER' });
    expectFieldError(await rollKey(harness, shortLived.secret, target.id), 'FORBIDDEN');
  });

  it('keeps "never expires" through a roll made during an earlier roll’s grace period', async () => {
    const target = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'NEVER' });
    expectOk(await rollKey(harness, org.adminKey, target.id, 3600));
    const second = expectOk(await rollKey(harness, org.adminKey, target.id, 0)).rollApiKey;
    expect(second.apiKey.expiresAt).toBeNull();
  });

  it('keeps a 30-day lifetime through rolls: the successor lives 30 days from its roll', async () => {
    const target = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'DAYS_30' });
    harness.advance(DAY);
    expectOk(await rollKey(harness, org.adminKey, target.id, 3600));
    const second = expectOk(await rollKey(harness, org.adminKey, target.id, 0)).rollApiKey;
    expect(new Date(second.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);
  });

  it('refuses a key raising its own rate limit, even to a million requests a second', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'keys:read'] });
    const own = expectFieldError(await setLimit(harness, key.secret, key.id, { requests: 1_000_000, windowSeconds: 1 }), 'FORBIDDEN');
    expect(own.extensions.reason).toBe('OWN_RATE_LIMIT');
    expectFieldError(await setLimit(harness, key.secret, key.id, { requests: 1, windowSeconds: 60 }), 'FORBIDDEN');
  });

  it("refuses raising another key's limit above the environment default over the API; lowering and resetting work", async () => {
    const target = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const raised = expectFieldError(await setLimit(harness, org.adminKey, target.id, { requests: 101, windowSeconds: 60 }), 'FORBIDDEN');
    expect(raised.extensions.reason).toBe('RAISES_RATE_LIMIT');
    expect(raised.message).toContain('keys:rate-limit');
    expect(expectOk(await setLimit(harness, org.adminKey, target.id, { requests: 10, windowSeconds: 60 })).setApiKeyRateLimit.rateLimit).toEqual({
      requests: 10,
      windowSeconds: 60,
    });
    expect(expectOk(await setLimit(harness, org.adminKey, target.id, null)).setApiKeyRateLimit.rateLimit).toEqual({ requests: 100, windowSeconds: 60 });
  });

  it("refuses re-limiting a key that holds more than the caller", async () => {
    const powerful = await harness.makeKey({ organization: org, scopes: ['*'] });
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage'] });
    expectFieldError(await setLimit(harness, manager.secret, powerful.id, { requests: 1, windowSeconds: 60 }), 'FORBIDDEN');
  });
});
