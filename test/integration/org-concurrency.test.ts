import { beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const VIEWER = '{ viewer { scopes } }';

/** DNS for webhook URLs, held while `gate` is closed: keeps a createWebhook request in flight. */
let gate: Promise<void> = Promise.resolve();
let resolving = 0;
const resolveHost = async () => {
  resolving++;
  await gate;
  return [{ address: '93.184.216.34', family: 4 }];
};

describeIntegration('requests in flight per organization', { env: { ORG_CONCURRENCY_LIMIT: '1' }, deps: { resolveHost } }, (harness) => {
  let org: TestOrganization;
  let other: TestOrganization;
  const held = (organizationId: string) => harness.app.guard.concurrency.heldLocally(organizationId);

  beforeAll(async () => {
    org = await harness.organization();
    other = await harness.organization();
    // Verified once, so admission needs no database while a table is locked below.
    for (const key of [org.adminKey, other.adminKey]) expect((await harness.request(VIEWER, { key })).status).toBe(200);
  });

  it('refuses the next request with 429 CONCURRENCY_LIMITED, and frees the slot when the client goes away', async () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const client = new AbortController();
    const inFlight = Promise.resolve(
      harness.app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminKey}` },
        body: JSON.stringify({
          query: 'mutation { createWebhook(input: { url: "https://hooks.example.com/in", events: ["booking.created"] }) { secret } }',
        }),
        signal: client.signal,
      }),
    ).catch(() => null);
    await eventually(() => resolving === 1, 5000, 'the slow request reaching its resolver');
    expect(held(org.organizationId)).toBe(1);

    const refused = await harness.request(VIEWER, { key: org.adminKey });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONCURRENCY_LIMITED', type: 'rate_limit_error' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another organization has slots of its own.
    expect((await harness.request(VIEWER, { key: other.adminKey })).status).toBe(200);

    client.abort();
    await eventually(() => held(org.organizationId) === 0, 5000, 'the aborted request giving its slot back');
    expect((await harness.request(VIEWER, { key: org.adminKey })).status).toBe(200);
    open();
    await inFlight;
  });

  it('gives the slot back after a request that failed', async () => {
    const forbidden = await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-organization-id': 'org_someone_else' } });
    expect(forbidden.status).toBe(403);
    const invalid = await harness.request('{ viewer { nope } }', { key: org.adminKey });
    expect(invalid.body.errors).toBeDefined();
    expect(held(org.organizationId)).toBe(0);
    expect((await harness.request(VIEWER, { key: org.adminKey })).status).toBe(200);
  });

  it('gives the slot back after a request refused between admission and execution', async () => {
    const refusedAfterAdmission = [
      { query: VIEWER, mood: 'curious' }, // a parameter Yoga does not know
      { variables: {} }, // no query
      { query: '{ viewer {' }, // does not parse
      { query: `{ ${Array.from({ length: 20 }, (_, i) => `v${i}: viewer { scopes }`).join(' ')} }` }, // over the alias limit
    ];
    for (const body of refusedAfterAdmission) {
      const response = await harness.app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminKey}` },
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).not.toBe(429);
      expect(held(org.organizationId), JSON.stringify(body)).toBe(0);
    }
    const mutationOverGet = await harness.app.yoga.fetch(`http://tessera.test/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "key_x") { id } }')}`, {
      headers: { authorization: `Bearer ${org.adminKey}` },
    });
    expect(mutationOverGet.status).toBe(405);
    expect(held(org.organizationId)).toBe(0);
  });

  it('gives the slot back after a request refused by its key limit', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    await harness.request(`mutation { setApiKeyRateLimit(id: "${key.id}", limit: { requests: 1, windowSeconds: 3600 }) { id } }`, { key: org.adminKey });
    expect((await harness.request(VIEWER, { key: key.secret })).status).toBe(200);
    expect((await harness.request(VIEWER, { key: key.secret })).status).toBe(429);
    expect(held(org.organizationId)).toBe(0);
  });
});
