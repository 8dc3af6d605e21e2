import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema/index.js';
import { createdKey, createKey, expectBadUserInput, expectFieldError, expectOk, revokeKey, rollKey, updateKey } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

/** No key may hand out, or take over, more than it holds itself. */
describeIntegrationOnOneTier('no escalation through keys', (harness) => {
  let org: TestOrganization;
  let liveOrg: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization('TEST');
    liveOrg = await harness.organization('LIVE');
  });

  async function keysNamed(name: string) {
    return harness.db.select().from(apiKeys).where(and(eq(apiKeys.name, name)));
  }

  it('refuses to create a key with a scope the caller lacks, and stores nothing', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    const response = await createKey(harness, manager.secret, { name: 'escalation-1', scopes: ['event-types:read', 'event-types:write'] });
    const error = expectFieldError(response, 'FORBIDDEN');
    expect(error.extensions.type).toBe('permission_error');
    expect(error.message).toContain('event-types:write');
    expect(response.body.data).toEqual({ createApiKey: null });
    expect(await keysNamed('escalation-1')).toEqual([]);
  });

  it('refuses * to a caller without it', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    expectFieldError(await createKey(harness, manager.secret, { scopes: ['*'] }), 'FORBIDDEN');
  });

  it('refuses a group the caller holds only part of', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'bookings:create'] });
    const error = expectFieldError(await createKey(harness, manager.secret, { scopes: ['bookings:write'] }), 'FORBIDDEN');
    expect(error.message).toContain('bookings:cancel');
    expectOk(await createKey(harness, manager.secret, { scopes: ['bookings:create'] }));
  });

  it('lets a caller grant exactly what it holds', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'bookings:write'] });
    const { apiKey } = await createdKey(harness, manager.secret, { scopes: ['keys:manage', 'bookings:write'] });
    expect(apiKey.scopes).toEqual(['keys:manage', 'bookings:write']);
  });

  it('lets a test key create only test keys, and a live key either', async () => {
    const refused = await createKey(harness, org.adminKey, { name: 'escalation-live', environment: 'LIVE', scopes: ['event-types:read'] });
    expect(expectFieldError(refused, 'FORBIDDEN').message).toMatch(/test key/);
    expect(await keysNamed('escalation-live')).toEqual([]);

    const live = await createdKey(harness, liveOrg.adminKey, { environment: 'LIVE', scopes: ['event-types:read'] });
    expect(live.secret).toMatch(/^sk_live_/);
    const test = await createdKey(harness, liveOrg.adminKey, { environment: 'TEST', scopes: ['event-types:read'] });
    expect(test.secret).toMatch(/^sk_test_/);
  });

  it("keeps a test key away from the organization's live keys", async () => {
    const testAdmin = await harness.makeKey({ organization: liveOrg, environment: 'TEST', scopes: ['*'] });
    const live = await createdKey(harness, liveOrg.adminKey, { environment: 'LIVE', scopes: ['event-types:read'] });
    const listed = expectOk(await harness.request('{ apiKeys { id environment } }', { key: testAdmin.secret }));
    expect(listed.apiKeys.every((key: { environment: string }) => key.environment === 'TEST')).toBe(true);
    expectFieldError(await revokeKey(harness, testAdmin.secret, live.id), 'NOT_FOUND');
    expectFieldError(await rollKey(harness, testAdmin.secret, live.id), 'NOT_FOUND');
    expectFieldError(await updateKey(harness, testAdmin.secret, live.id, { name: 'x' }), 'NOT_FOUND');
  });

  it('refuses public keys holding keys:*, webhooks:manage, audit:read or *', async () => {
    for (const scope of ['keys:read', 'keys:manage', 'webhooks:manage', 'audit:read', '*']) {
      const response = await createKey(harness, org.adminKey, { type: 'PUBLIC', scopes: [scope] });
      expect(expectBadUserInput(response).message).toContain(scope);
    }
  });

  it('refuses unknown scopes by name, before anything else', async () => {
    const response = await createKey(harness, org.adminKey, { scopes: ['keys:read', 'keys:delete', 'admin'] });
    const error = expectBadUserInput(response);
    expect(error.message).toContain('"keys:delete"');
    expect(error.message).toContain('"admin"');
    expect(error.message).not.toContain('"keys:read"');
  });

  it('refuses to update a key to scopes beyond the caller', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    const { id } = await createdKey(harness, manager.secret, { scopes: ['event-types:read'] });
    const response = await updateKey(harness, manager.secret, id, { scopes: ['event-types:read', 'event-types:write'] });
    expect(expectFieldError(response, 'FORBIDDEN').message).toContain('event-types:write');
    const [stored] = await harness.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(stored!.scopes).toEqual(['event-types:read']);
  });

  it('refuses to touch a key that holds more than the caller, even just to rename it', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    const strong = await harness.makeKey({ organization: org, scopes: ['event-types:write'] });
    expectFieldError(await updateKey(harness, manager.secret, strong.id, { name: 'weakened' }), 'FORBIDDEN');
  });

  it('refuses to roll a key that holds more than the caller (the new secret would be the caller\'s)', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    const strong = await harness.makeKey({ organization: org, scopes: ['*'] });
    const response = await rollKey(harness, manager.secret, strong.id);
    expectFieldError(response, 'FORBIDDEN');
    expect(JSON.stringify(response.body)).not.toMatch(/sk_test_/);
    expectOk(await harness.request('{ viewer { scopes } }', { key: strong.secret }));
  });

  it('measures the caller by its effective scopes: a MEMBER-owned * key cannot manage keys at all', async () => {
    const member = await harness.makeKey({ organization: org, role: 'MEMBER', scopes: ['*'] });
    const error = expectFieldError(await createKey(harness, member.secret, { scopes: ['event-types:read'] }), 'FORBIDDEN');
    expect(error.extensions.requiredScopes).toEqual([['keys:manage']]);
  });

  it('gives a created key to the caller\'s member, so it never outlives their role', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'event-types:read'] });
    const { apiKey } = await createdKey(harness, manager.secret, { scopes: ['event-types:read'] });
    expect(apiKey.createdBy.id).toBe(manager.memberId);
  });
});
