/**
 * The organization's key policy and IP allowlists, as the attacks they refuse:
 * each test is someone trying to get around a rule an admin set, or to use a
 * fenced key from somewhere else.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import {
  createdKey,
  createKey,
  expectBadUserInput,
  expectFieldError,
  expectOk,
  expectPolicyRefusal,
  expectRequestError,
  rollKey,
  updateKey,
  updatePolicy,
  viewer,
} from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const DAY = 86_400_000;

describeIntegrationOnOneTier('key policy and IP allowlists hold', { env: { TRUST_PROXY: 'true' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization('LIVE');
    expectOk(
      await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30, requireAllowedIpsForLiveSecretKeys: true, publicKeysAllowed: false }),
    );
  });

  const from = (key: string, forwardedFor: string) => harness.request('{ viewer { scopes } }', { key, headers: { 'x-forwarded-for': forwardedFor } });

  it('a test key cannot change the policy, which binds (and can end) live keys', async () => {
    const testKey = await harness.makeKey({ organization: org, environment: 'TEST', scopes: ['*'] });
    const error = expectFieldError(await updatePolicy(harness, testKey.secret, { maxLifetimeDays: 7, enforceOnExisting: true }), 'FORBIDDEN');
    expect(error.extensions.reason).toBe('LIVE_KEY_REQUIRED');
  });

  it('a key that may only read keys cannot change the policy', async () => {
    const reader = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['keys:read'] });
    expectFieldError(await updatePolicy(harness, reader.secret, { publicKeysAllowed: true }), 'FORBIDDEN');
    expect(expectOk(await harness.request('{ organizationKeyPolicy { publicKeysAllowed } }', { key: reader.secret })).organizationKeyPolicy).toEqual({
      publicKeysAllowed: false,
    });
  });

  it('a never-expiring key cannot be minted past the maximum, by create or by roll', async () => {
    expectPolicyRefusal(await createKey(harness, org.adminKey, { environment: 'TEST', scopes: ['bookings:read'], expiresIn: 'NEVER' }), 'maxLifetimeDays', 'expiresIn');
    const old = await harness.makeKey({ organization: org, environment: 'TEST', scopes: ['bookings:read'] });
    const rolled = expectOk(await rollKey(harness, org.adminKey, old.id)).rollApiKey;
    expect(new Date(rolled.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);
    // Rolled again, the successor keeps the capped lifetime: the roll never restores the old one.
    const again = expectOk(await rollKey(harness, org.adminKey, rolled.apiKey.id)).rollApiKey;
    expect(new Date(again.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);
  });

  it('an allowlist cannot be dropped from a live secret key by update or roll, nor faked with a range of everything', async () => {
    const key = await createdKey(harness, org.adminKey, { environment: 'LIVE', scopes: ['bookings:read'], expiresIn: 'DAYS_30', allowedIps: ['203.0.113.7'] });
    expectPolicyRefusal(await updateKey(harness, org.adminKey, key.id, { allowedIps: [] }), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    expectPolicyRefusal(await rollKey(harness, org.adminKey, key.id, 0, []), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    expectBadUserInput(await updateKey(harness, org.adminKey, key.id, { allowedIps: ['0.0.0.0/0'] }), 'allowedIps');
    expectBadUserInput(await updateKey(harness, org.adminKey, key.id, { allowedIps: ['::/0'] }), 'allowedIps');
  });

  it('a public key cannot be brought back by rolling one made before the policy', async () => {
    const old = await harness.makeKey({ organization: org, environment: 'TEST', type: 'PUBLIC', scopes: ['availability:read'] });
    expectPolicyRefusal(await rollKey(harness, org.adminKey, old.id), 'publicKeysAllowed', 'id');
    expectPolicyRefusal(await createKey(harness, org.adminKey, { type: 'PUBLIC', environment: 'TEST', scopes: ['availability:read'], expiresIn: 'DAYS_7' }), 'publicKeysAllowed', 'type');
  });

  it('an allowlist cannot be put on a public key to look fenced', async () => {
    const other = await harness.organization('LIVE');
    expectBadUserInput(
      await createKey(harness, other.adminKey, { type: 'PUBLIC', environment: 'TEST', scopes: ['availability:read'], allowedIps: ['203.0.113.7'] }),
      'allowedIps',
    );
  });

  it('a stolen fenced key is refused from elsewhere, also when the thief writes an allowed address into X-Forwarded-For', async () => {
    const key = await createdKey(harness, org.adminKey, { environment: 'LIVE', scopes: ['bookings:read'], expiresIn: 'DAYS_30', allowedIps: ['203.0.113.7'] });
    expectOk(await from(key.secret, '203.0.113.7'));
    // The thief at 198.51.100.23 claims the allowed address; our proxy appends the address it really saw.
    const refused = expectRequestError(await from(key.secret, '203.0.113.7, 198.51.100.23'), 403, 'FORBIDDEN');
    expect(refused.extensions).toMatchObject({ reason: 'IP_NOT_ALLOWED', address: '198.51.100.23' });
    expect(JSON.stringify(refused)).not.toContain('203.0.113.7'); // the allowlist is not revealed
  });

  it('a fenced key hammered from elsewhere is recorded, without flooding the audit log', async () => {
    const key = await createdKey(harness, org.adminKey, { environment: 'LIVE', scopes: ['bookings:read'], expiresIn: 'DAYS_30', allowedIps: ['203.0.113.7'] });
    for (let i = 0; i < 20; i++) expectRequestError(await from(key.secret, '198.51.100.24'), 403, 'FORBIDDEN');
    expectRequestError(await from(key.secret, '198.51.100.25'), 403, 'FORBIDDEN');
    await harness.app.flush();
    const rows = await harness.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.apiKeyId, key.id), eq(auditEvents.action, 'graphql.refused')));
    expect(rows.map((row) => row.ip).sort()).toEqual(['198.51.100.24', '198.51.100.25']);
  });

  it('a fenced key is refused when its caller cannot be placed (no trusted address at all)', async () => {
    const key = await createdKey(harness, org.adminKey, { environment: 'LIVE', scopes: ['bookings:read'], expiresIn: 'DAYS_30', allowedIps: ['203.0.113.7'] });
    // In process, with no socket and no X-Forwarded-For, the address is unknown: an allowlist that cannot be checked allows nothing.
    const refused = expectRequestError(await viewer(harness, key.secret), 403, 'FORBIDDEN', /unknown address/);
    expect(refused.extensions.reason).toBe('IP_NOT_ALLOWED');
  });
});
