import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import {
  createdKey,
  createKey,
  expectBadUserInput,
  expectOk,
  expectRequestError,
  rollKey,
  updateKey,
} from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';

const VIEWER = '{ viewer { scopes } }';

// Requests arrive through a trusted proxy (in-process calls count as one), which names the client in X-Forwarded-For.
describeIntegrationOnOneTier('IP allowlists of secret keys', { env: { TRUST_PROXY: 'true', KEY_CACHE_TTL_MS: '86400000' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  const from = (key: string, address: string) => harness.request(VIEWER, { key, headers: { 'x-forwarded-for': address } });
  const fenced = (allowedIps: string[]) => createdKey(harness, org.adminKey, { scopes: ['bookings:read'], allowedIps });

  /** 403 FORBIDDEN for the whole request, naming the address seen. */
  function expectRefusedFrom(response: Awaited<ReturnType<typeof from>>, address: string) {
    const error = expectRequestError(response, 403, 'FORBIDDEN', new RegExp(`came from ${address.replace(/\./g, '\\.')}`));
    expect(error.extensions).toMatchObject({ reason: 'IP_NOT_ALLOWED', address });
  }

  it('answers from a listed address and refuses any other with IP_NOT_ALLOWED naming the address seen', async () => {
    const key = await fenced(['203.0.113.7']);
    expect(key.apiKey.allowedIps).toEqual(['203.0.113.7']);
    expectOk(await from(key.secret, '203.0.113.7'));
    expectRefusedFrom(await from(key.secret, '203.0.113.8'), '203.0.113.8');
  });

  it('matches CIDR ranges, stored as their network', async () => {
    const key = await fenced(['198.51.100.77/24', '10.0.0.0/8']);
    expect(key.apiKey.allowedIps).toEqual(['198.51.100.0/24', '10.0.0.0/8']);
    expectOk(await from(key.secret, '198.51.100.1'));
    expectOk(await from(key.secret, '198.51.100.254'));
    expectRefusedFrom(await from(key.secret, '198.51.101.1'), '198.51.101.1');
  });

  it('matches IPv6 addresses and ranges, and IPv4-mapped IPv6 as IPv4', async () => {
    const key = await fenced(['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:aa::/48', '192.0.2.10']);
    expect(key.apiKey.allowedIps).toEqual(['2001:db8::1', '2001:db8:aa::/48', '192.0.2.10']);
    expectOk(await from(key.secret, '2001:db8::1'));
    expectOk(await from(key.secret, '2001:db8:aa:1::42'));
    expectOk(await from(key.secret, '::ffff:192.0.2.10'));
    expectRefusedFrom(await from(key.secret, '2001:db8:ab::1'), '2001:db8:ab::1');
  });

  it('refuses more than 50 entries, entries that are not addresses, and ranges that hold every address', async () => {
    const many = Array.from({ length: 51 }, (_, index) => `192.0.2.${index}`);
    expectBadUserInput(await createKey(harness, org.adminKey, { scopes: ['bookings:read'], allowedIps: many }), 'allowedIps');
    expectOk(await createKey(harness, org.adminKey, { scopes: ['bookings:read'], allowedIps: many.slice(0, 50) }));
    for (const entry of ['10.1', '203.0.113.7/33', 'fe80::1%eth0', 'example.com', '0.0.0.0/0', '::/0']) {
      expectBadUserInput(await createKey(harness, org.adminKey, { scopes: ['bookings:read'], allowedIps: [entry] }), 'allowedIps');
    }
  });

  it('refuses an allowlist on a public key, at creation and update', async () => {
    const publicInput = { type: 'PUBLIC' as const, environment: 'TEST' as const, scopes: ['availability:read'] };
    expectBadUserInput(await createKey(harness, org.adminKey, { ...publicInput, allowedIps: ['203.0.113.7'] }), 'allowedIps');
    const embedded = await createdKey(harness, org.adminKey, publicInput);
    expectBadUserInput(await updateKey(harness, org.adminKey, embedded.id, { allowedIps: ['203.0.113.7'] }), 'allowedIps');
  });

  it('applies an update from the next request on, and [] lifts the allowlist', async () => {
    const key = await fenced([]);
    expectOk(await from(key.secret, '198.51.100.9'));
    expect(expectOk(await updateKey(harness, org.adminKey, key.id, { allowedIps: ['203.0.113.0/24'] })).updateApiKey.allowedIps).toEqual([
      '203.0.113.0/24',
    ]);
    expectRefusedFrom(await from(key.secret, '198.51.100.9'), '198.51.100.9');
    expectOk(await updateKey(harness, org.adminKey, key.id, { allowedIps: [] }));
    expectOk(await from(key.secret, '198.51.100.9'));
  });

  it('keeps the allowlist through a roll unless the roll gives one', async () => {
    const key = await fenced(['203.0.113.7']);
    const kept = expectOk(await rollKey(harness, org.adminKey, key.id)).rollApiKey;
    expect(kept.apiKey.allowedIps).toEqual(['203.0.113.7']);
    expectRefusedFrom(await from(kept.secret, '198.51.100.9'), '198.51.100.9');
    const replaced = expectOk(await rollKey(harness, org.adminKey, kept.apiKey.id, 0, ['198.51.100.9'])).rollApiKey;
    expect(replaced.apiKey.allowedIps).toEqual(['198.51.100.9']);
    expectOk(await from(replaced.secret, '198.51.100.9'));
  });

  it('records the refusal on the key with the rule and the address', async () => {
    const key = await fenced(['203.0.113.7']);
    expectRefusedFrom(await from(key.secret, '198.51.100.66'), '198.51.100.66');
    await harness.app.flush();
    const rows = await harness.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.apiKeyId, key.id), eq(auditEvents.action, 'graphql.refused')));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'denied',
      ip: '198.51.100.66',
      details: { code: 'FORBIDDEN', reason: 'IP_NOT_ALLOWED' },
    });
  });

  it('checks the allowlist from the cached verification: no database round trip once warm', async () => {
    const key = await fenced(['203.0.113.0/24']);
    expectOk(await from(key.secret, '203.0.113.1')); // warm-up: the verification (and its allowlist) is cached
    const counter = QueryCounter.attach(harness.db);
    const lookups = harness.app.keyCache.lookups;
    const statements = await counter.during(async () => {
      for (let i = 0; i < 5; i++) expectOk(await from(key.secret, `203.0.113.${i + 2}`));
      for (let i = 0; i < 5; i++) expectRefusedFrom(await from(key.secret, `192.0.2.${i}`), `192.0.2.${i}`);
    });
    expect(harness.app.keyCache.lookups).toBe(lookups);
    expect(statements).toEqual([]);
  });
});
