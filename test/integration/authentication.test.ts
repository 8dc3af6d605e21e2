import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/key-format.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import { createdKey, expectOk, expectRequestError, revokeKey, viewer } from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration, describeOnTier } from '../helpers/integration.js';

const VIEWER = '{ viewer { organization { id } } }';

describeIntegration('authentication', (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  describe('401 UNAUTHORIZED', () => {
    it('answers a request without a key with 401 and no data', async () => {
      const error = expectRequestError(await harness.request(VIEWER), 401, 'UNAUTHORIZED', /Bearer/);
      expect(error.extensions.type).toBe('authentication_error');
    });

    it.each([
      ['the bare key', (key: string) => key],
      ['another scheme', (key: string) => `Basic ${key}`],
      ['a Bearer prefix without a key', () => 'Bearer '],
    ])('answers an Authorization header holding %s with 401', async (_label, header) => {
      const response = await harness.request(VIEWER, { headers: { authorization: header(org.adminKey) } });
      expect(expectRequestError(response, 401, 'UNAUTHORIZED').extensions.type).toBe('authentication_error');
    });
  });

  describe('401 INVALID_API_KEY', () => {
    const refuse = async (key: string, message: RegExp) => {
      const error = expectRequestError(await harness.request(VIEWER, { key }), 401, 'INVALID_API_KEY', message);
      expect(error.extensions.type).toBe('authentication_error');
    };

    it('refuses a malformed key', () => refuse('sk_test_not-a-key', /not a Tessera API key/));

    it('refuses a mistyped key by its checksum', async () => {
      const last = org.adminKey.at(-5)!;
      const typo = `${org.adminKey.slice(0, -5)}${last === 'a' ? 'b' : 'a'}${org.adminKey.slice(-4)}`;
      await refuse(typo, /checksum/);
    });

    it('refuses a well-formed key that was never issued', () => refuse(generateApiKey('SECRET', 'TEST'), /does not exist/));

    it('refuses a revoked key, saying it was revoked', async () => {
      const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
      expectOk(await viewer(harness, key.secret));
      expectOk(await revokeKey(harness, org.adminKey, key.id));
      await refuse(key.secret, /revoked/);
    });

    it('refuses an expired key, saying it expired', async () => {
      const key = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'DAYS_7' });
      const start = harness.clock;
      try {
        harness.advance(7 * 86_400_000 - 1);
        expectOk(await viewer(harness, key.secret));
        harness.advance(1);
        await refuse(key.secret, /expired/);
      } finally {
        harness.clock = start;
      }
    });
  });

  describe('accepted headers', () => {
    it('accepts the legacy X-API-Key header alone', async () => {
      const response = await harness.request(VIEWER, { headers: { 'x-api-key': org.adminKey } });
      expect(expectOk(response).viewer.organization.id).toBe(org.organizationId);
    });

    it('accepts a lowercase bearer scheme', async () => {
      const response = await harness.request(VIEWER, { headers: { authorization: `bearer ${org.adminKey}` } });
      expect(expectOk(response).viewer.organization.id).toBe(org.organizationId);
    });

    it('accepts both headers when they carry the same key', async () => {
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-api-key': org.adminKey } });
      expectOk(response);
    });

    it('answers 400 when Authorization and X-API-Key carry different keys', async () => {
      const other = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-api-key': other.secret } });
      expect(expectRequestError(response, 400, 'BAD_REQUEST').extensions.type).toBe('invalid_request_error');
    });

    it('accepts the Tessera-Api-Key header alone', async () => {
      const response = await harness.request(VIEWER, { headers: { 'tessera-api-key': org.adminKey } });
      expect(expectOk(response).viewer.organization.id).toBe(org.organizationId);
    });

    it('accepts the same key in all three headers', async () => {
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: { 'tessera-api-key': org.adminKey, 'x-api-key': org.adminKey } });
      expectOk(response);
    });

    it.each([
      ['Authorization', 'Tessera-Api-Key', (mine: string, other: string) => ({ authorization: `Bearer ${mine}`, 'tessera-api-key': other })],
      ['Tessera-Api-Key', 'X-API-Key', (mine: string, other: string) => ({ 'tessera-api-key': mine, 'x-api-key': other })],
    ])('answers 400 naming %s and %s when they carry different keys', async (first, second, headers) => {
      const other = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
      const response = await harness.request(VIEWER, { headers: headers(org.adminKey, other.secret) });
      const error = expectRequestError(response, 400, 'BAD_REQUEST', new RegExp(`^${first} and ${second} carry different keys`));
      expect(error.extensions.headers).toEqual([first, second]);
    });

    it('leaves Authorization to a proxy when the key travels in Tessera-Api-Key', async () => {
      for (const authorization of ['Basic cHJveHk6c2VjcmV0', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.signature']) {
        const response = await harness.request(VIEWER, { headers: { authorization, 'tessera-api-key': org.adminKey } });
        expect(expectOk(response).viewer.organization.id).toBe(org.organizationId);
      }
    });
  });

  describe('X-Organization-Id', () => {
    it('answers 403 with no data when it names another organization', async () => {
      const other = await harness.organization();
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-organization-id': other.organizationId } });
      const error = expectRequestError(response, 403, 'FORBIDDEN', /X-Organization-Id/);
      expect(error.extensions.type).toBe('permission_error');
    });

    it('is accepted when it matches the key', async () => {
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: { 'x-organization-id': org.organizationId } });
      expect(expectOk(response).viewer.organization.id).toBe(org.organizationId);
    });
  });

  it('serves GraphiQL to a browser without a key, with a Bearer header template', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('GraphiQL');
    expect(page).toContain('Bearer');
  });

  it('answers GET /health and /ready with JSON', async () => {
    const health = await harness.app.yoga.fetch('http://tessera.test/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toContain('application/json');
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await harness.app.yoga.fetch('http://tessera.test/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});

describeOnTier('503 SERVICE_UNAVAILABLE', () => {
  it('answers 503 when the database handle has been closed, while bad keys still get 401 offline', async () => {
    const harness = await TestHarness.start();
    const org = await harness.organization();
    await harness.app.stop();
    await harness.database.close();

    const error = expectRequestError(await harness.request(VIEWER, { key: org.adminKey }), 503, 'SERVICE_UNAVAILABLE', /database/);
    expect(error.extensions.type).toBe('api_error');
    // Format and checksum are checked before the database is touched.
    expectRequestError(await harness.request(VIEWER, { key: `${org.adminKey.slice(0, -1)}!` }), 401, 'INVALID_API_KEY');
    const typo = org.adminKey.slice(0, -1) + (org.adminKey.endsWith('A') ? 'B' : 'A');
    expectRequestError(await harness.request(VIEWER, { key: typo }), 401, 'INVALID_API_KEY', /checksum/);

    const ready = await harness.app.yoga.fetch('http://tessera.test/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    const health = await harness.app.yoga.fetch('http://tessera.test/health');
    expect(health.status).toBe(200);
  });

  it('answers 503 when PostgreSQL is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so connecting is refused at once.
    const database = await openDatabase('postgres://tessera@127.0.0.1:1/tessera');
    const app = await createApp(loadConfig({ DATABASE_URL: 'memory://' }), { database, logger: createLogger('silent') });
    try {
      const response = await app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${generateApiKey('SECRET', 'LIVE')}` },
        body: JSON.stringify({ query: VIEWER }),
      });
      const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions: Record<string, unknown> }> };
      expect(response.status).toBe(503);
      expect(body.data ?? null).toBeNull();
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', type: 'api_error' });
      const ready = await app.yoga.fetch('http://tessera.test/ready');
      expect(ready.status).toBe(503);
    } finally {
      await app.stop();
      await database.close();
    }
  });
});
