import { beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/key-format.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const VIEWER = '{ viewer { scopes } }';
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describeIntegrationOnOneTier('failed authentication per client address', { env: { TRUST_PROXY: 'true', AUTH_FAILURES_PER_MINUTE: '5' } }, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  it('answers 401 up to the limit, then 429 with Retry-After for that address only, without database lookups', async () => {
    const guess = () => generateApiKey('SECRET', 'TEST'); // well-formed, so each one reaches the database
    for (let i = 0; i < 5; i++) {
      const response = await harness.request(VIEWER, { key: guess(), headers: from('198.51.100.7') });
      expect(response.status).toBe(401);
    }
    const lookups = harness.app.keyCache.lookups;
    const throttled = await harness.request(VIEWER, { key: guess(), headers: from('198.51.100.7') });
    expect(throttled.status).toBe(429);
    expect(throttled.body.errors?.[0]?.extensions).toMatchObject({ code: 'AUTHENTICATION_THROTTLED', type: 'rate_limit_error' });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // The guesser is slowed, not the office behind the same address: a valid (cached) key still passes, with no lookup.
    await harness.request(VIEWER, { key: org.adminKey, headers: from('198.51.100.8') });
    const lookupsBefore = harness.app.keyCache.lookups;
    const valid = await harness.request(VIEWER, { key: org.adminKey, headers: from('198.51.100.7') });
    expect(valid.status).toBe(200);
    expect(harness.app.keyCache.lookups).toBe(lookupsBefore);
    expect(lookupsBefore).toBeGreaterThanOrEqual(lookups);

    const elsewhere = await harness.request(VIEWER, { key: org.adminKey, headers: from('198.51.100.8') });
    expect(elsewhere.status).toBe(200);
  });

  it('counts malformed keys and missing keys as failures too', async () => {
    for (let i = 0; i < 3; i++) await harness.request(VIEWER, { key: 'sk_test_nonsense', headers: from('198.51.100.9') });
    for (let i = 0; i < 2; i++) await harness.request(VIEWER, { headers: from('198.51.100.9') });
    const response = await harness.request(VIEWER, { key: 'sk_test_nonsense', headers: from('198.51.100.9') });
    expect(response.status).toBe(429);
  });

  it('does not count successful requests', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await harness.request(VIEWER, { key: org.adminKey, headers: from('198.51.100.10') });
      expect(response.status).toBe(200);
    }
  });
});

describeIntegrationOnOneTier('query and body limits', {
  env: {
    QUERY_MAX_DEPTH: '3',
    QUERY_MAX_ALIASES: '2',
    QUERY_MAX_TOKENS: '60',
    QUERY_MAX_DIRECTIVES: '2',
    QUERY_MAX_COST: '10',
    MAX_BODY_BYTES: '2048',
  },
}, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  const refusal = async (query: string) => {
    const response = await harness.request(query, { key: org.adminKey });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', type: 'invalid_request_error' });
    return response.body.errors![0]!.message;
  };

  it('refuses queries deeper than QUERY_MAX_DEPTH', async () => {
    expect(await refusal('{ viewer { apiKey { createdBy { id } } } }')).toMatch(/depth limit of 3/);
    const shallow = await harness.request('{ viewer { apiKey { id } } }', { key: org.adminKey });
    expect(shallow.body.errors).toBeUndefined();
  });

  it('refuses more aliases than QUERY_MAX_ALIASES', async () => {
    expect(await refusal('{ a: viewer { scopes } b: viewer { scopes } c: viewer { scopes } }')).toMatch(/Aliases limit of 2/);
  });

  it('refuses more directives than QUERY_MAX_DIRECTIVES', async () => {
    expect(await refusal('{ viewer @include(if: true) @skip(if: false) @include(if: true) { scopes } }')).toMatch(/Directives limit of 2/);
  });

  it('refuses more tokens than QUERY_MAX_TOKENS', async () => {
    const fields = Array.from({ length: 80 }, () => 'scopes').join(' ');
    expect(await refusal(`{ viewer { ${fields} } }`)).toMatch(/Token limit of 60/);
  });

  it('refuses queries costing more than QUERY_MAX_COST', async () => {
    expect(await refusal('{ apiKeys { id name preview scopes createdBy { id email role } } }')).toMatch(/Cost limit of 10/);
  });

  it('still answers introspection', async () => {
    const response = await harness.request('{ __schema { queryType { name } } }', { key: org.adminKey });
    expect(response.body.data?.__schema.queryType.name).toBe('Query');
  });

  it('suggests field names to a valid key, and to no one else', async () => {
    const withKey = await harness.request('{ viewr { scopes } }', { key: org.adminKey });
    expect(withKey.body.errors?.[0]?.message).toMatch(/Did you mean "viewer"\?/);
    const withoutKey = await harness.request('{ viewr { scopes } }');
    expect(withoutKey.status).toBe(401);
    expect(JSON.stringify(withoutKey.body)).not.toMatch(/viewer/);
  });

  it('answers 413 to a body over MAX_BODY_BYTES, declared or streamed', async () => {
    const body = JSON.stringify({ query: `{ viewer { scopes } } # ${'x'.repeat(3000)}` });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${org.adminKey}` };
    const declared = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    expect(declared.status).toBe(413);
    expect((await declared.json()).errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 2048 });

    const chunks = [body.slice(0, 1500), body.slice(1500)];
    const streamed = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers,
      body: new ReadableStream({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(chunk));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);

    const small = await harness.request(VIEWER, { key: org.adminKey });
    expect(small.status).toBe(200);
  });
});
