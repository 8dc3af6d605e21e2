/**
 * Every answer names its request: the X-Request-Id header, `extensions.requestId`
 * in every error, the audit record, and the one access log line each request
 * gets once it is answered. A client's own X-Request-Id counts only when a
 * trusted proxy passes it on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLines, captureLogs } from '../helpers/captured-logs.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const INFO = 30;
const DEBUG = 20;

const logs = captureLogs('debug');
const lineOf = (requestId: string | null) => accessLines(logs.lines).filter((line) => line.requestId === requestId);

describeIntegrationOnOneTier('request ids and the access log', { env: { RATE_LIMIT_LIVE_PER_MINUTE: '3', QUERY_MAX_TOKENS: '200' }, deps: { logger: logs.logger } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  it('names every answer with a fresh id, in the header and in each of its errors', async () => {
    const ok = await harness.request('{ viewer { scopes } }', { key: org.adminKey });
    const again = await harness.request('{ viewer { scopes } }', { key: org.adminKey });
    expect(ok.headers.get('x-request-id')).toMatch(UUID);
    expect(again.headers.get('x-request-id')).not.toBe(ok.headers.get('x-request-id'));

    const narrow = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const fieldError = await harness.request('{ viewer { scopes } auditEvents(first: 1) { nodes { id } } }', { key: narrow.secret });
    const unauthenticated = await harness.request('{ viewer { scopes } }');
    for (const response of [fieldError, unauthenticated]) {
      expect(response.body.errors![0]!.extensions.requestId).toBe(response.headers.get('x-request-id'));
    }
    expect(fieldError.status).toBe(200);
    expect(unauthenticated.status).toBe(401);
  });

  it('names the answers given before GraphQL runs: health, a refused method, a body over the limit', async () => {
    const health = await harness.app.yoga.fetch('http://tessera.test/health');
    expect(health.headers.get('x-request-id')).toMatch(UUID);
    const refusals = [
      await harness.app.yoga.fetch('http://tessera.test/health', { method: 'DELETE' }),
      await harness.app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ viewer { scopes } } #${'x'.repeat(2_000_000)}` }),
      }),
    ];
    expect(refusals.map((response) => response.status)).toEqual([405, 413]);
    for (const response of refusals) {
      const { errors } = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
      expect(errors[0]!.extensions.requestId).toBe(response.headers.get('x-request-id'));
    }
  });

  it("ignores a client's X-Request-Id when no trusted proxy stands in front (TRUST_PROXY unset)", async () => {
    const response = await harness.request('{ viewer { scopes } }', { key: org.adminKey, headers: { 'x-request-id': 'chosen-by-client' } });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it('writes the id into the audit record, where AuditEvent.requestId shows it', async () => {
    const made = await harness.request('query Traced { viewer { scopes } }', { key: org.adminKey });
    const requestId = made.headers.get('x-request-id');
    await harness.app.flush();
    const read = await harness.request<{ auditEvents: { nodes: Array<{ operationName: string | null; requestId: string | null }> } }>(
      '{ auditEvents(first: 20) { nodes { operationName requestId } } }',
      { key: org.adminKey },
    );
    expect(read.body.data!.auditEvents.nodes).toContainEqual({ operationName: 'Traced', requestId });
  });

  it('writes one info line per request: who, what, how long, how it ended; never the key', async () => {
    const response = await harness.request('query Lined { viewer { scopes } }', { key: org.adminKey });
    const requestId = response.headers.get('x-request-id');
    const [line, ...more] = lineOf(requestId);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: INFO,
      msg: 'request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      outcome: 'ok',
      operationType: 'query',
      operationName: 'Lined',
      keyId: org.adminKeyId,
      organizationId: org.organizationId,
      ip: null, // in-process: no socket
    });
    expect(line!.durationMs).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(org.adminKey);
  });

  it('gives requests refused before they run a line too: 401, 429, 400', async () => {
    const unknownKey = await harness.request('{ viewer { scopes } }', { key: 'sk_test_thisIsNotAKeyAtAll' });
    // Live keys have the low limit in this suite; the admin's test key is not held back.
    const limited = await harness.makeKey({ organization: org, scopes: ['event-types:read'], environment: 'LIVE' });
    let tooMany = unknownKey;
    for (let i = 0; i < 4; i++) tooMany = await harness.request('{ viewer { scopes } }', { key: limited.secret });
    const tooLong = await harness.request(`{ viewer { ${'scopes '.repeat(300)} } }`, { key: org.adminKey });

    const outcomes = [unknownKey, tooMany, tooLong].map((response) => {
      const [line] = lineOf(response.headers.get('x-request-id'));
      return [line!.status, line!.outcome, line!.keyId];
    });
    expect(outcomes).toEqual([
      [401, 'INVALID_API_KEY', null],
      [429, 'RATE_LIMITED', limited.id],
      [400, 'QUERY_TOO_COMPLEX', org.adminKeyId],
    ]);
  });

  it('logs health checks and scrapes at debug, so they stay out of the info log', async () => {
    const responses = [await harness.app.yoga.fetch('http://tessera.test/health'), await harness.app.yoga.fetch('http://tessera.test/metrics')];
    for (const response of responses) expect(lineOf(response.headers.get('x-request-id'))).toEqual([expect.objectContaining({ level: DEBUG })]);
  });
});

/** The app behind a real node:http server on 127.0.0.1, so requests have a socket peer. */
async function serve(harness: TestHarness): Promise<{ server: Server; url: string }> {
  const server = createServer(harness.app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('X-Request-Id from a proxy', () => {
  const started: Array<{ harness: TestHarness; server: Server }> = [];
  afterAll(async () => {
    for (const { harness, server } of started) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await harness.stop();
    }
  });

  async function behind(trustedProxies: string) {
    const harness = await TestHarness.start({ TRUST_PROXY: 'true', TRUSTED_PROXIES: trustedProxies });
    const { server, url } = await serve(harness);
    started.push({ harness, server });
    return { harness, url };
  }

  it("keeps a trusted proxy's id, in the header, the errors and the audit record; a malformed one is replaced", async () => {
    const { harness, url } = await behind('127.0.0.1/32');
    const org = await harness.organization();
    const send = (requestId: string, key: string | null = org.adminKey) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query: 'query ViaProxy { viewer { scopes } }' }),
      });
    expect((await send('lb-7f3a.42:1')).headers.get('x-request-id')).toBe('lb-7f3a.42:1');
    const refused = await send('lb-refused', null);
    expect(((await refused.json()) as { errors: Array<{ extensions: { requestId: string } }> }).errors[0]!.extensions.requestId).toBe('lb-refused');
    await harness.app.flush();
    const records = await harness.db.query.auditEvents.findMany({ where: (event, { eq }) => eq(event.operationName, 'ViaProxy') });
    expect(records.map((record) => record.requestId)).toEqual(['lb-7f3a.42:1']);

    for (const malformed of ['has space', 'x'.repeat(129), 'quote"d']) {
      expect((await send(malformed)).headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('ignores the id when the peer is not one of TRUSTED_PROXIES', async () => {
    const { url } = await behind('10.0.0.5/32');
    const response = await fetch(`${url}/health`, { headers: { 'x-request-id': 'lb-7f3a' } });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });
});
