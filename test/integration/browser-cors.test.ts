import { beforeAll, expect, it, vi } from 'vitest';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const SHOP = 'https://shop.example.com';
const STRANGER = 'https://stranger.example.net';
const PUBLIC_SCOPES = ['event-types:read', 'availability:read', 'bookings:create', 'bookings:read-own'];

function preflight(harness: TestHarness, origin: string) {
  return harness.app.yoga.fetch('http://tessera.test/graphql', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

const CREATE_PUBLIC_LIVE_KEY = `mutation($origins: [String!]!) {
  createApiKey(input: { name: "widget", type: PUBLIC, environment: LIVE, scopes: ["bookings:create"], allowedOrigins: $origins, expiresIn: NEVER }) {
    apiKey { id }
  }
}`;

describeIntegrationOnOneTier('CORS while only pk_live_ keys exist', (harness) => {
  let org: TestOrganization;
  let live: string;

  beforeAll(async () => {
    org = await harness.organization('LIVE');
    live = (await harness.makeKey({ organization: org, scopes: PUBLIC_SCOPES, type: 'PUBLIC', environment: 'LIVE', allowedOrigins: [SHOP] }))
      .secret;
    await harness.makeKey({ organization: org, scopes: PUBLIC_SCOPES, type: 'PUBLIC', environment: 'LIVE', allowedOrigins: ['https://*.example.org'] });
    // makeKey writes to the database directly; the API refreshes on its own mutations only.
    await harness.app.origins.refresh();
  });

  it('answers a preflight from an origin some key allows by echoing it', async () => {
    const response = await preflight(harness, SHOP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('vary')).toContain('Origin');
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'tessera-api-key', 'x-api-key', 'content-type']) expect(allowed).toContain(header);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    // Keys travel in headers; cookies must never authorize a cross-site call.
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('echoes a subdomain that a wildcard origin of some key covers, but not the bare domain', async () => {
    expect((await preflight(harness, 'https://book.example.org')).headers.get('access-control-allow-origin')).toBe('https://book.example.org');
    expect((await preflight(harness, 'https://example.org')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives a preflight from an origin no key allows no CORS headers', async () => {
    const response = await preflight(harness, STRANGER);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights without querying the database', async () => {
    await preflight(harness, SHOP); // the registry is loaded once at start; this makes sure of it
    const select = vi.spyOn(harness.db, 'select');
    try {
      for (const origin of [SHOP, STRANGER, 'null']) await preflight(harness, origin);
      expect(select).not.toHaveBeenCalled();
    } finally {
      select.mockRestore();
    }
  });

  it('marks every actual response as varying by Origin, once, whether the request had one or not', async () => {
    // A cache in between must not hand one origin's answer (or its CORS headers) to another.
    for (const headers of [{ origin: SHOP }, { origin: STRANGER }, {}] as Record<string, string>[]) {
      const response = await harness.request('{ viewer { scopes } }', { key: live, headers });
      expect(response.headers.get('vary')?.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name === 'origin')).toEqual(['origin']);
    }
  });

  it('lets browser scripts read the request id and the rate-limit headers of an actual response', async () => {
    const response = await harness.request('{ viewer { scopes } }', { key: live, headers: { origin: SHOP } });
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const exposed = response.headers.get('access-control-expose-headers')!;
    for (const header of ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy', 'Retry-After']) {
      expect(exposed).toContain(header);
    }
  });

  it('lets the page read why a known origin was refused', async () => {
    const other = await harness.makeKey({ organization: org, scopes: PUBLIC_SCOPES, type: 'PUBLIC', environment: 'LIVE', allowedOrigins: [STRANGER] });
    expect(other.secret).toBeTruthy();
    await harness.app.origins.refresh();
    // The stranger's origin is known (another key allows it), but not to this key.
    const response = await harness.request('{ viewer { scopes } }', { key: live, headers: { origin: STRANGER } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(STRANGER);
  });

  it('echoes an origin as soon as createApiKey allows it, and stops once the key is revoked', async () => {
    const fresh = 'https://fresh.example.com';
    expect((await preflight(harness, fresh)).headers.get('access-control-allow-origin')).toBeNull();
    const created = await harness.request(CREATE_PUBLIC_LIVE_KEY, { key: org.adminKey, variables: { origins: [fresh] } });
    expect(created.body.errors).toBeUndefined();
    expect((await preflight(harness, fresh)).headers.get('access-control-allow-origin')).toBe(fresh);

    const id = created.body.data!.createApiKey.apiKey.id;
    await harness.request('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { key: org.adminKey, variables: { id } });
    expect((await preflight(harness, fresh)).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describeIntegrationOnOneTier('CORS once a pk_test_ key exists', (harness) => {
  beforeAll(async () => {
    const org = await harness.organization();
    await harness.makeKey({ organization: org, scopes: PUBLIC_SCOPES, type: 'PUBLIC', environment: 'TEST' });
    await harness.app.origins.refresh();
  });

  it('echoes any origin, since a pk_test_ key accepts any origin and the key decides on the actual request', async () => {
    const response = await preflight(harness, 'http://localhost:5173');
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

describeIntegrationOnOneTier('CSRF prevention and GraphiQL', (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    harness.app.yoga.fetch(`http://tessera.test${path}`, { headers });

  it('serves a GET query that carries its key (as urql sends it), and refuses one a cross-site form could send, naming the headers', async () => {
    const path = `/graphql?query=${encodeURIComponent('{ viewer { scopes } }')}`;
    const auth = { authorization: `Bearer ${org.adminKey}` };
    expect((await get(path, auth)).status).toBe(200);
    expect((await get(path, { 'x-api-key': org.adminKey })).status).toBe(200);
    expect((await get(path, { 'tessera-api-key': org.adminKey })).status).toBe(200);
    expect((await get(path, { ...auth, 'x-graphql-yoga-csrf': '1' })).status).toBe(200);

    const formLike = await get(path);
    expect(formLike.status).toBe(403);
    const [error] = (await formLike.json()).errors;
    expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CSRF', type: 'permission_error' });
    expect(error.message).toContain('X-GraphQL-Yoga-CSRF');
    expect(error.message).toContain('Authorization');
    expect(error.message).toContain('Tessera-Api-Key');
    expect(error.extensions.acceptedHeaders).toContain('Tessera-Api-Key');
  });

  it('never runs a mutation over GET, key or not', async () => {
    const path = `/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "key_x") { id } }')}`;
    const response = await get(path, { authorization: `Bearer ${org.adminKey}` });
    expect(response.status).toBe(405);
  });

  it('lets tracing and Apollo client-awareness headers through CORS preflights', async () => {
    const key = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: ['event-types:read'], allowedOrigins: ['https://shop.example'] });
    expect(key.id).toBeTruthy();
    await harness.app.origins.refresh();
    const preflight = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'traceparent, apollographql-client-name' },
    });
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['traceparent', 'tracestate', 'baggage', 'sentry-trace', 'apollographql-client-name', 'apollographql-client-version']) {
      expect(allowed).toContain(header);
    }
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses a form-like POST that a browser would send without a preflight', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${org.adminKey}` },
      body: JSON.stringify({ query: '{ viewer { scopes } }' }),
    });
    expect(response.status).toBe(403);
  });

  it('opens GraphiQL with the Authorization header template and the admin document, all from our own origin', async () => {
    const response = await get('/graphql', { accept: 'text/html' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('/graphiql/assets/yoga-graphiql.umd.js');
    const options = JSON.parse(/const options = (\{.*\});/.exec(html)![1]!);
    expect(JSON.parse(options.headers)).toEqual({ Authorization: 'Bearer ' });
    // `query` is what the editor opens with.
    expect(options.query).toContain('viewer');
    expect(options.query).toContain('createApiKey');
  });

  it('serves the GraphiQL assets it references, and nothing else from that folder', async () => {
    const html = await (await get('/graphql', { accept: 'text/html' })).text();
    const paths = [...html.matchAll(/\/graphiql\/assets\/[\w./-]+/g)].map(([path]) => path);
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const path of paths) expect((await get(path)).status, path).toBe(200);
    expect((await get('/graphiql/assets/../package.json')).status).not.toBe(200);
    expect((await get('/graphiql/assets/README.md')).status).toBe(404);
  });
});
