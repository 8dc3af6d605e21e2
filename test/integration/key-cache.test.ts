import { beforeAll, expect, it } from 'vitest';
import { KEY_CHANGES_CHANNEL } from '../../src/auth/key-changes.js';
import { updateMember } from '../../src/modules/members/members.service.js';
import { createdKey, expectOk } from '../helpers/api-keys.js';
import { eventually } from '../helpers/eventually.js';
import { createdServiceAccount, deleteServiceAccount, updateServiceAccount } from '../helpers/members.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { testTier } from '../helpers/test-database.js';

const VIEWER = '{ viewer { scopes } }';

// A day-long safety net, so only the rules under test can end a cached entry.
describeIntegration('cached key verification', { env: { KEY_CACHE_TTL_MS: '86400000' } }, (harness) => {
  let org: TestOrganization;
  const lookups = () => harness.app.keyCache.lookups;

  beforeAll(async () => {
    org = await harness.organization();
  });

  const makeKey = (scopes = ['keys:read', 'keys:manage']) => harness.makeKey({ organization: org, scopes });
  const status = async (secret: string) => (await harness.request(VIEWER, { key: secret })).status;

  it('looks a key up in the database once, then answers from memory', async () => {
    const key = await makeKey();
    const before = lookups();
    for (let i = 0; i < 5; i++) expect(await status(key.secret)).toBe(200);
    expect(lookups() - before).toBe(1);
  });

  it('makes one lookup for a burst of requests with a key not yet cached', async () => {
    const key = await makeKey();
    const before = lookups();
    const statuses = await Promise.all(Array.from({ length: 20 }, () => status(key.secret)));
    expect(statuses.every((code) => code === 200)).toBe(true);
    expect(lookups() - before).toBe(1);
  });

  it('answers from memory only the cached key itself: one character off, or anything added, is refused with its reason and no lookup', async () => {
    const key = await makeKey();
    expect(await status(key.secret)).toBe(200);
    const last = key.secret.at(-1) === 'a' ? 'b' : 'a';
    const before = lookups();
    const mistyped = await harness.request(VIEWER, { key: key.secret.slice(0, -1) + last });
    expect(mistyped.status).toBe(401);
    expect(mistyped.body.errors?.[0]?.message).toMatch(/checksum/);
    const longer = await harness.request(VIEWER, { key: `${key.secret}0` });
    expect(longer.status).toBe(401);
    expect(longer.body.errors?.[0]?.message).toMatch(/not a Tessera API key/);
    expect(lookups() - before).toBe(0);
  });

  it('refuses a cached key on the very next request after it is revoked', async () => {
    const key = await makeKey();
    expect(await status(key.secret)).toBe(200);
    const revoked = await harness.request(`mutation { revokeApiKey(id: "${key.id}") { status } }`, { key: org.adminKey });
    expect(revoked.body.data?.revokeApiKey.status).toBe('REVOKED');
    const refused = await harness.request(VIEWER, { key: key.secret });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.message).toMatch(/revoked/);
  });

  it('applies scope changes from the next request on', async () => {
    const key = await makeKey();
    expect((await harness.request(VIEWER, { key: key.secret })).body.data?.viewer.scopes).toContain('keys:manage');
    await harness.request(`mutation { updateApiKey(id: "${key.id}", input: { scopes: ["keys:read"] }) { id } }`, { key: org.adminKey });
    expect((await harness.request(VIEWER, { key: key.secret })).body.data?.viewer.scopes).toEqual(['keys:read']);
  });

  it("binds cached keys to their owner's demotion and deactivation", async () => {
    const key = await makeKey(['team:read', 'keys:manage']);
    expect((await harness.request(VIEWER, { key: key.secret })).body.data?.viewer.scopes).toContain('keys:manage');
    await updateMember(harness.db, key.memberId, { role: 'MEMBER' });
    expect((await harness.request(VIEWER, { key: key.secret })).body.data?.viewer.scopes).toEqual(['team:read']);
    await updateMember(harness.db, key.memberId, { active: false });
    expect(await status(key.secret)).toBe(401);
  });

  it("binds cached service-account keys to the account's role change and deletion, also when told over LISTEN/NOTIFY", async () => {
    const live = await harness.organization('LIVE');
    const account = await createdServiceAccount(harness, live.adminKey, { name: 'Cached', role: 'ADMIN' });
    const key = await createdKey(harness, live.adminKey, { scopes: ['team:read', 'keys:manage'], ownerServiceAccountId: account });
    const scopes = async () => (await harness.request(VIEWER, { key: key.secret })).body.data?.viewer.scopes as string[];
    expect(await scopes()).toContain('keys:manage');
    // A lookup overlapping some earlier test's late notice is not cached: ask until it is.
    await eventually(async () => (await scopes()) && harness.app.keyCache.cached(key.secret, harness.clock) !== undefined, 5000, 'the key being cached');

    // Changed behind the app's back, then announced as another process would (before any change of
    // ours, whose own notice coming back round over LISTEN would drop the entry too).
    await harness.database.query(`update service_accounts set role = 'MEMBER' where id = '${account}'`);
    expect(await scopes()).toContain('keys:manage');
    await harness.database.query(`select pg_notify('${KEY_CHANGES_CHANNEL}', '${JSON.stringify({ serviceAccountId: account })}')`);
    await eventually(async () => !(await scopes()).includes('keys:manage'), 5000, 'the role change reaching the cache');

    expectOk(await updateServiceAccount(harness, live.adminKey, account, { role: 'ADMIN' }));
    expect(await scopes()).toContain('keys:manage');
    expectOk(await deleteServiceAccount(harness, live.adminKey, account));
    expect(await status(key.secret)).toBe(401);
  });

  it('never serves a cached key past its end, even with no notice', async () => {
    const key = await makeKey();
    const rolled = await harness.request(`mutation { rollApiKey(id: "${key.id}", expireOldKeyInSeconds: 60) { secret } }`, {
      key: org.adminKey,
    });
    expect(rolled.body.errors).toBeUndefined();
    expect(await status(key.secret)).toBe(200); // cached, ending in 60 s
    harness.advance(61_000);
    const refused = await harness.request(VIEWER, { key: key.secret });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.message).toMatch(/expired/);
  });

  it('drops a cached key when a change notice arrives over LISTEN/NOTIFY (as from another process)', async () => {
    const key = await makeKey();
    expect(await status(key.secret)).toBe(200);
    // Changed behind the app's back: without a notice the cached verification still stands.
    await harness.database.query(`update api_keys set revoked_at = now() - interval '1 second' where id = '${key.id}'`);
    expect(await status(key.secret)).toBe(200);
    await harness.database.query(`select pg_notify('${KEY_CHANGES_CHANNEL}', '${JSON.stringify({ keyId: key.id })}')`);
    const took = await eventually(async () => (await status(key.secret)) === 401, 1000, 'the revocation reaching the cache');
    expect(took).toBeLessThan(1000);
  });

  it.skipIf(testTier() !== 'postgres')('forgets every cached key when its LISTEN connection was lost (notices may have been missed)', async () => {
    const key = await makeKey();
    expect(await status(key.secret)).toBe(200);
    await harness.database.query(`update api_keys set revoked_at = now() - interval '1 second' where id = '${key.id}'`);
    await harness.database.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
    );
    // postgres.js listens again on a fresh connection, and the cache starts over.
    await eventually(async () => (await status(key.secret)) === 401, 15_000, 'the cache being cleared after the reconnect');
  });
});
