import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema/index.js';
import { expectOk } from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration, describeOnTier } from '../helpers/integration.js';

const MINUTE = 60_000;

// The default interval: at most one write per key per minute.
describeIntegration('last used', { env: { TRUST_PROXY: 'true' } }, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  const use = (key: string, ip = '198.51.100.1') =>
    harness.request('{ viewer { scopes } }', { key, headers: { 'x-forwarded-for': ip } });

  async function stored(keyId: string) {
    await harness.app.lastUsed.flush();
    const [row] = await harness.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    return { at: row!.lastUsedAt, ip: row!.lastUsedIp };
  }

  it('writes at most once per key per interval, however many requests', async () => {
    const first = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const second = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const writes = harness.app.lastUsed.writes;

    for (let i = 0; i < 30; i++) {
      expectOk(await use(first.secret));
      expectOk(await use(second.secret));
      harness.advance(1000);
    }
    // 30 seconds of traffic on two keys: one write each.
    expect(harness.app.lastUsed.writes - writes).toBe(2);

    harness.advance(MINUTE);
    expectOk(await use(first.secret));
    expect(harness.app.lastUsed.writes - writes).toBe(3);
  });

  it('shows lastUsedAt and lastUsedIp of the latest request after a flush', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    expectOk(await use(key.secret, '203.0.113.10'));
    harness.advance(5000);
    const latest = harness.clock;
    expectOk(await use(key.secret, '203.0.113.11'));

    await harness.app.flush();
    const listed = expectOk(await harness.request('{ apiKeys { id lastUsedAt lastUsedIp } }', { key: org.adminKey }));
    expect(listed.apiKeys.find((row: { id: string }) => row.id === key.id)).toEqual({
      id: key.id,
      lastUsedAt: latest.toISOString(),
      lastUsedIp: '203.0.113.11',
    });
  });

  it('never moves lastUsedAt backwards', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    expectOk(await use(key.secret, '203.0.113.20'));
    const newest = harness.clock;
    await stored(key.id);
    harness.clock = new Date(newest.getTime() - 2 * MINUTE);
    try {
      expectOk(await use(key.secret, '203.0.113.21'));
      expect(await stored(key.id)).toEqual({ at: newest, ip: '203.0.113.20' });
    } finally {
      harness.clock = newest;
    }
  });
});

describeOnTier('last used on shutdown', () => {
  it('writes what is still pending when the app stops', async () => {
    const harness = await TestHarness.start();
    try {
      const org = await harness.organization();
      const read = async () => (await harness.db.select().from(apiKeys).where(eq(apiKeys.id, org.adminKeyId)))[0]!.lastUsedAt;
      expectOk(await harness.request('{ viewer { scopes } }', { key: org.adminKey }));
      const first = harness.clock;
      await harness.app.lastUsed.flush();
      expect(await read()).toEqual(first);

      harness.advance(10_000);
      expectOk(await harness.request('{ viewer { scopes } }', { key: org.adminKey }));
      // Within the interval: kept in memory, not written.
      expect(await read()).toEqual(first);
      await harness.app.stop();
      expect(await read()).toEqual(harness.clock);
    } finally {
      await harness.database.close();
    }
  });
});
