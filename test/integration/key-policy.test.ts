import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { KEY_CHANGES_CHANNEL } from '../../src/auth/key-changes.js';
import { apiKeyExpiryNotices, auditEvents, webhookEvents, webhooks } from '../../src/db/schema/index.js';
import { newId } from '../../src/lib/random.js';
import { announceExpiringKeys } from '../../src/modules/api-keys/key-events.js';
import {
  createdKey,
  createKey,
  expectBadUserInput,
  expectOk,
  expectPolicyRefusal,
  expectRequestError,
  KEY_POLICY_FIELDS,
  type KeyInput,
  rollKey,
  updateKey,
  updatePolicy,
  viewer,
} from '../helpers/api-keys.js';
import { eventually } from '../helpers/eventually.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';

const DAY = 86_400_000;
const POLICY = `{ organizationKeyPolicy { ${KEY_POLICY_FIELDS} } }`;
const LIVE_SECRET: KeyInput = { environment: 'LIVE', type: 'SECRET', scopes: ['bookings:read'] };

// A day-long cache safety net, so only key-change notices can refresh a cached policy.
describeIntegrationOnOneTier('organization key policy', { env: { KEY_CACHE_TTL_MS: '86400000' } }, (harness) => {
  const liveOrg = () => harness.organization('LIVE');
  const listViolating = async (org: TestOrganization) =>
    (expectOk(await harness.request('{ apiKeys(violatingPolicy: true) { id } }', { key: org.adminKey })).apiKeys as Array<{ id: string }>).map(
      (key) => key.id,
    );

  it('starts with no rules, readable with keys:read', async () => {
    const org = await liveOrg();
    const reader = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['keys:read'] });
    expect(expectOk(await harness.request(POLICY, { key: reader.secret })).organizationKeyPolicy).toEqual({
      maxLifetimeDays: null,
      enforceOnExisting: false,
      requireAllowedIpsForLiveSecretKeys: false,
      publicKeysAllowed: true,
      liveKeysAllowedForRole: null,
      updatedAt: null,
    });
    expect(await listViolating(org)).toEqual([]);
  });

  it('changes only the fields given, records the change, and null clears the maximum', async () => {
    const org = await liveOrg();
    const set = expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30, publicKeysAllowed: false })).updateOrganizationKeyPolicy;
    expect(set).toMatchObject({ maxLifetimeDays: 30, publicKeysAllowed: false, requireAllowedIpsForLiveSecretKeys: false });
    expect(set.updatedAt).toBe(harness.clock.toISOString());
    const cleared = expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: null })).updateOrganizationKeyPolicy;
    expect(cleared).toMatchObject({ maxLifetimeDays: null, publicKeysAllowed: false });
    const [record] = await harness.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, org.organizationId), eq(auditEvents.action, 'key_policy.updated')))
      .limit(1);
    expect(record).toMatchObject({ apiKeyId: org.adminKeyId, targetId: org.organizationId, outcome: 'ok' });
  });

  it('refuses a maximum shorter than the shortest expiresIn', async () => {
    const org = await liveOrg();
    expectBadUserInput(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 3 }), 'maxLifetimeDays');
    expectBadUserInput(await updatePolicy(harness, org.adminKey, { publicKeysAllowed: null }), 'publicKeysAllowed');
  });

  it('maxLifetimeDays: refuses a longer or never-ending expiresIn by name, allows one within', async () => {
    const org = await liveOrg();
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30 }));
    expectPolicyRefusal(await createKey(harness, org.adminKey, { scopes: ['bookings:read'], expiresIn: 'NEVER' }), 'maxLifetimeDays', 'expiresIn');
    expectPolicyRefusal(await createKey(harness, org.adminKey, { scopes: ['bookings:read'], expiresIn: 'DAYS_90' }), 'maxLifetimeDays', 'expiresIn');
    const made = await createdKey(harness, org.adminKey, { scopes: ['bookings:read'], expiresIn: 'DAYS_30' });
    expect(new Date(made.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);
  });

  it('lists keys in use that outlive the maximum, and a roll brings one within it (capped, not refused)', async () => {
    const org = await liveOrg();
    const forever = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['bookings:read'] });
    const revoked = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['bookings:read'] });
    await harness.request(`mutation { revokeApiKey(id: "${revoked.id}") { id } }`, { key: org.adminKey });
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30 }));
    const short = await createdKey(harness, org.adminKey, { ...LIVE_SECRET, expiresIn: 'DAYS_7' });

    const violating = await listViolating(org);
    expect(violating).toContain(forever.id);
    expect(violating).toContain(org.adminKeyId); // made at the CLI, never expiring
    expect(violating).not.toContain(revoked.id);
    expect(violating).not.toContain(short.id);

    const rolled = expectOk(await rollKey(harness, org.adminKey, forever.id)).rollApiKey;
    expect(new Date(rolled.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);
    expect(await listViolating(org)).not.toContain(rolled.apiKey.id);
    expect(await listViolating(org)).not.toContain(forever.id);
  });

  it('enforceOnExisting: ends longer-lived keys maxLifetimeDays after the change, warning a week before', async () => {
    const org = await liveOrg();
    await harness.db.insert(webhooks).values({
      id: newId('wh'),
      organizationId: org.organizationId,
      environment: 'LIVE',
      url: 'https://hooks.example.com/keys',
      events: ['api_key.expiring'],
      secretSealed: 'unused: nothing is delivered in this test',
    });
    const forever = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['bookings:read'] });
    const within = await createdKey(harness, org.adminKey, { ...LIVE_SECRET, expiresIn: 'DAYS_7' });
    harness.advance(DAY);
    const setAt = harness.clock.getTime();
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30, enforceOnExisting: true }));

    const keys = expectOk(await harness.request('{ apiKeys { id expiresAt } }', { key: org.adminKey })).apiKeys as Array<{ id: string; expiresAt: string }>;
    const endOf = (id: string) => keys.find((key) => key.id === id)!.expiresAt;
    expect(endOf(forever.id)).toBe(new Date(setAt + 30 * DAY).toISOString());
    expect(endOf(within.id)).toBe(new Date(setAt - DAY + 7 * DAY).toISOString()); // ends sooner anyway: untouched

    const expiringFor = async (id: string) =>
      (await harness.db.select().from(webhookEvents).where(and(eq(webhookEvents.organizationId, org.organizationId), eq(webhookEvents.type, 'api_key.expiring'))))
        .filter((event) => (event.data as { apiKey: { id: string } }).apiKey.id === id);
    harness.advance(22 * DAY);
    await announceExpiringKeys(harness.db, harness.clock);
    expect(await expiringFor(forever.id)).toHaveLength(0);
    harness.advance(2 * DAY); // now 6 days before the imposed end
    await announceExpiringKeys(harness.db, harness.clock);
    const [warning] = await expiringFor(forever.id);
    expect(warning!.data).toMatchObject({ expiresAt: new Date(setAt + 30 * DAY).toISOString() });

    expectOk(await viewer(harness, forever.secret));
    harness.advance(6 * DAY);
    expectRequestError(await viewer(harness, forever.secret), 401, 'INVALID_API_KEY', /expired/);
  });

  it('warns again of an imposed end a key already warned of a later one', async () => {
    const org = await liveOrg();
    const key = await createdKey(harness, org.adminKey, { ...LIVE_SECRET, expiresIn: 'DAYS_30' });
    await harness.db.insert(apiKeyExpiryNotices).values({ apiKeyId: key.id, expiresAt: new Date(key.apiKey.expiresAt), createdAt: harness.clock });
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 7, enforceOnExisting: true }));
    expect(await harness.db.select().from(apiKeyExpiryNotices).where(eq(apiKeyExpiryNotices.apiKeyId, key.id))).toHaveLength(0);
  });

  it('requireAllowedIpsForLiveSecretKeys: create, update and roll leave a live secret key with an allowlist', async () => {
    const org = await liveOrg();
    const bare = await createdKey(harness, org.adminKey, LIVE_SECRET);
    expectOk(await updatePolicy(harness, org.adminKey, { requireAllowedIpsForLiveSecretKeys: true }));

    expectPolicyRefusal(await createKey(harness, org.adminKey, LIVE_SECRET), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    const fenced = await createdKey(harness, org.adminKey, { ...LIVE_SECRET, allowedIps: ['203.0.113.0/24'] });
    await createdKey(harness, org.adminKey, { ...LIVE_SECRET, environment: 'TEST' }); // test keys are not bound
    await createdKey(harness, org.adminKey, { type: 'PUBLIC', environment: 'LIVE', scopes: ['availability:read'], allowedOrigins: ['https://shop.example.com'] });

    expectPolicyRefusal(await updateKey(harness, org.adminKey, fenced.id, { allowedIps: [] }), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    expectPolicyRefusal(await updateKey(harness, org.adminKey, bare.id, { name: 'renamed' }), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    expectOk(await updateKey(harness, org.adminKey, bare.id, { name: 'renamed', allowedIps: ['198.51.100.7'] }));

    const violating = await listViolating(org);
    expect(violating).toContain(org.adminKeyId);
    expect(violating).not.toContain(bare.id);
    expect(violating).not.toContain(fenced.id);

    expectPolicyRefusal(await rollKey(harness, org.adminKey, fenced.id, 0, []), 'requireAllowedIpsForLiveSecretKeys', 'allowedIps');
    const rolled = expectOk(await rollKey(harness, org.adminKey, fenced.id)).rollApiKey;
    expect(rolled.apiKey.allowedIps).toEqual(['203.0.113.0/24']);
  });

  it('publicKeysAllowed: false refuses creating and rolling public keys, and lists those in use', async () => {
    const org = await liveOrg();
    const embedded = await createdKey(harness, org.adminKey, { type: 'PUBLIC', environment: 'TEST', scopes: ['availability:read'] });
    expectOk(await updatePolicy(harness, org.adminKey, { publicKeysAllowed: false }));
    expectPolicyRefusal(await createKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['availability:read'] }), 'publicKeysAllowed', 'type');
    expectPolicyRefusal(await rollKey(harness, org.adminKey, embedded.id), 'publicKeysAllowed', 'id');
    expect(await listViolating(org)).toEqual([embedded.id]);
    await createdKey(harness, org.adminKey, { scopes: ['availability:read'] });
  });

  it("liveKeysAllowedForRole: a MEMBER's live key is listed and cannot be rolled; their test key can", async () => {
    const org = await liveOrg();
    const members = await harness.makeKey({ organization: org, environment: 'LIVE', role: 'MEMBER', scopes: ['bookings:read'] });
    const theirTest = await harness.makeKey({ organization: org, environment: 'TEST', memberId: members.memberId, scopes: ['bookings:read'] });
    expectOk(await updatePolicy(harness, org.adminKey, { liveKeysAllowedForRole: 'ADMIN' }));
    expect(expectOk(await harness.request(POLICY, { key: org.adminKey })).organizationKeyPolicy.liveKeysAllowedForRole).toBe('ADMIN');
    expect(await listViolating(org)).toEqual([members.id]);
    expectPolicyRefusal(await rollKey(harness, org.adminKey, members.id), 'liveKeysAllowedForRole', 'id');
    expectOk(await rollKey(harness, org.adminKey, theirTest.id));
    await createdKey(harness, org.adminKey, LIVE_SECRET); // an ADMIN's own live key
  });

  it('travels with the cached key: no policy read per request once warm', async () => {
    const org = await liveOrg();
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 90 }));
    // Warm-up: the key (and the policy with it) is cached once the change's own notice has come back round (PostgreSQL).
    await eventually(async () => {
      const before = harness.app.keyCache.lookups;
      expectOk(await harness.request(POLICY, { key: org.adminKey }));
      return harness.app.keyCache.lookups === before;
    }, 2000, 'the key staying cached');
    const counter = QueryCounter.attach(harness.db);
    const lookups = harness.app.keyCache.lookups;
    const statements = await counter.during(async () => {
      expectOk(await harness.request(POLICY, { key: org.adminKey }));
      await createdKey(harness, org.adminKey, { scopes: ['bookings:read'], expiresIn: 'DAYS_30' });
      expectOk(await harness.request('{ apiKeys(violatingPolicy: true) { id } }', { key: org.adminKey }));
    });
    expect(statements.length).toBeGreaterThan(0); // the counter sees the create and the list
    expect(statements.filter((statement) => statement.includes('organization_key_policies'))).toEqual([]);
    expect(harness.app.keyCache.lookups).toBe(lookups);
  });

  it('is read afresh on the next request after a change, on this instance', async () => {
    const org = await liveOrg();
    expectOk(await harness.request(POLICY, { key: org.adminKey }));
    expectOk(await updatePolicy(harness, org.adminKey, { maxLifetimeDays: 30 }));
    expect(expectOk(await harness.request(POLICY, { key: org.adminKey })).organizationKeyPolicy.maxLifetimeDays).toBe(30);
    expectPolicyRefusal(await createKey(harness, org.adminKey, { scopes: ['bookings:read'] }), 'maxLifetimeDays', 'expiresIn');
  });

  it('reaches cached keys through the key-change notice of their organization (as from another instance)', async () => {
    const org = await liveOrg();
    const reader = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['keys:read'] });
    expectOk(await harness.request(POLICY, { key: reader.secret }));
    // Changed behind the app's back: the cached policy still stands until the notice arrives.
    await harness.database.query(
      `insert into organization_key_policies (organization_id, max_lifetime_days, updated_at) values ('${org.organizationId}', 7, now())`,
    );
    expect(expectOk(await harness.request(POLICY, { key: reader.secret })).organizationKeyPolicy.maxLifetimeDays).toBeNull();
    await harness.database.query(`select pg_notify('${KEY_CHANGES_CHANNEL}', '${JSON.stringify({ organizationId: org.organizationId })}')`);
    await eventually(
      async () => expectOk(await harness.request(POLICY, { key: reader.secret })).organizationKeyPolicy.maxLifetimeDays === 7,
      2000,
      'the policy change reaching the cache',
    );
  });
});
