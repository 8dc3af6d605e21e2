/**
 * A database that went away, in process (its handle closed: postgres.js
 * answers CONNECTION_ENDED). The first call to fail marks
 * it down; from then on a valid operation is answered 503 with Retry-After
 * before it runs, while what needs no database (a refused key, an invalid
 * document) answers as usual. The chaos tier does the same to a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { postgresTierSkipped, testTier } from '../helpers/test-database.js';

// PostgreSQL only: an embedded PGlite goes away only with its process (and, closed under a
// transaction, rejects from its own clean-up where no caller can catch it).
describe.skipIf(testTier() !== 'postgres' || postgresTierSkipped)('requests while the database is away (postgres)', () => {
  let harness: TestHarness;
  let org: TestOrganization;

  beforeAll(async () => {
    harness = await TestHarness.start();
    org = await harness.organization();
    // Verified once, so the key is cached: authentication needs no database from here on. Closed only once
    // key changes are heard: a LISTEN the closed database refused would leave nothing cached.
    await harness.app.keyChangesHeard;
    expect((await harness.request('{ viewer { scopes } }', { key: org.adminKey })).status).toBe(200);
    await harness.database.close();
  });
  afterAll(async () => {
    await harness.app.stop();
  });

  it('fails the fields that reached the database with SERVICE_UNAVAILABLE (HTTP 200: there is data) and a Retry-After', async () => {
    const response = await harness.request('{ viewer { scopes } eventTypes(first: 1) { nodes { id } } }', { key: org.adminKey });
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer).toBeTruthy();
    expect(response.body.errors?.[0]).toMatchObject({ path: ['eventTypes'], extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 2 } });
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('then answers a valid operation 503 before it runs', async () => {
    const response = await harness.request('{ viewer { scopes } }', { key: org.adminKey });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', type: 'api_error' });
  });

  it('still refuses a malformed key and an invalid document as usual', async () => {
    const badKey = await harness.request('{ viewer { scopes } }', { key: 'sk_test_nonsense' });
    expect(badKey.status).toBe(401);
    const invalid = await harness.request('{ noSuchField }', { key: org.adminKey, headers: { accept: 'application/graphql-response+json' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('reports not ready', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/ready');
    expect(response.status).toBe(503);
  });
});
