import { beforeAll, expect, it } from 'vitest';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

/** The harness calls the API at http://tessera.test, so that is the API's own origin. */
const API_ORIGIN = 'http://tessera.test';
const SHOP = 'https://shop.example.com';
const VIEWER = '{ viewer { scopes } }';
const PUBLIC_SCOPES = ['event-types:read', 'availability:read', 'bookings:create', 'bookings:read-own'];

describeIntegrationOnOneTier('where each kind of key may be used from', (harness) => {
  let org: TestOrganization;
  let live: string;
  let wildcardLive: string;
  let test: string;

  beforeAll(async () => {
    org = await harness.organization('LIVE');
    const make = (environment: 'LIVE' | 'TEST', allowedOrigins: string[]) =>
      harness.makeKey({ organization: org, scopes: PUBLIC_SCOPES, type: 'PUBLIC', environment, allowedOrigins });
    live = (await make('LIVE', [SHOP])).secret;
    wildcardLive = (await make('LIVE', ['https://*.example.org'])).secret;
    test = (await make('TEST', [])).secret;
  });

  const withOrigin = (origin: string) => ({ headers: { origin } });

  it('serves a pk_live_ key from one of its allowed origins', async () => {
    const response = await harness.request(VIEWER, { key: live, ...withOrigin(SHOP) });
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer.scopes).toContain('bookings:create');
  });

  it('serves a pk_live_ key from a subdomain its wildcard origin covers', async () => {
    const response = await harness.request(VIEWER, { key: wildcardLive, ...withOrigin('https://book.example.org') });
    expect(response.status).toBe(200);
  });

  it('refuses a pk_live_ key from another origin, naming it, with no data', async () => {
    const response = await harness.request(VIEWER, { key: live, ...withOrigin('https://copycat.example.net') });
    expect(response.status).toBe(403);
    expect(response.body.data).toBeUndefined();
    const [error] = response.body.errors!;
    expect(error!.extensions.code).toBe('FORBIDDEN');
    expect(error!.message).toContain('"https://copycat.example.net"');
    expect(error!.extensions.origin).toBe('https://copycat.example.net');
    expect(error!.extensions.reason).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('refuses a pk_live_ key when the origin only differs by scheme or port', async () => {
    for (const origin of ['http://shop.example.com', 'https://shop.example.com:8443']) {
      const response = await harness.request(VIEWER, { key: live, ...withOrigin(origin) });
      expect(response.status, origin).toBe(403);
    }
  });

  it('refuses a pk_live_ key when the request carries no Origin', async () => {
    const response = await harness.request(VIEWER, { key: live });
    expect(response.status).toBe(403);
    expect(response.body.errors![0]!.message).toMatch(/no Origin header/);
    expect(response.body.errors![0]!.extensions.reason).toBe('ORIGIN_MISSING');
  });

  it('serves a pk_test_ key from any origin, and without one', async () => {
    const variants: Record<string, string>[] = [{ origin: 'http://localhost:5173' }, { origin: 'null' }, {}];
    for (const headers of variants) {
      const response = await harness.request(VIEWER, { key: test, headers });
      expect(response.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('serves a secret key from a server (no Origin) and from the API own pages (GraphiQL)', async () => {
    expect((await harness.request(VIEWER, { key: org.adminKey })).status).toBe(200);
    expect((await harness.request(VIEWER, { key: org.adminKey, ...withOrigin(API_ORIGIN) })).status).toBe(200);
  });

  it('refuses a secret key sent from a web page on another origin, pointing to public keys', async () => {
    for (const origin of [SHOP, 'null', 'http://tessera.test:8080']) {
      const response = await harness.request(VIEWER, { key: org.adminKey, ...withOrigin(origin) });
      expect(response.status, origin).toBe(403);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
      expect(response.body.errors![0]!.message).toMatch(/Use a public key/);
      expect(response.body.errors![0]!.extensions.reason).toBe('SECRET_KEY_IN_BROWSER');
    }
  });

  it('trusts X-Forwarded-Host for the API own origin only behind a trusted proxy', async () => {
    const headers = { origin: 'https://api.tessera.example', 'x-forwarded-host': 'api.tessera.example' };
    expect((await harness.request(VIEWER, { key: org.adminKey, headers })).status).toBe(403);
    const proxied = await TestHarness.start({ TRUST_PROXY: 'true' });
    try {
      const proxiedOrg = await proxied.organization();
      expect((await proxied.request(VIEWER, { key: proxiedOrg.adminKey, headers })).status).toBe(200);
    } finally {
      await proxied.stop();
    }
  });
});
