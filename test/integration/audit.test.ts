import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyApiKey } from '../../src/auth/authenticate.js';
import type { Database } from '../../src/db/client.js';
import { apiKeys, auditEvents } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { newId } from '../../src/lib/random.js';
import { createApiKey } from '../../src/modules/api-keys/key-issuance.js';
import { RequestAuditLog } from '../../src/modules/audit/request-audit-log.js';
import { createdKey, createKey, expectOk, revokeKey, rollKey, updateKey } from '../helpers/api-keys.js';
import { TestHarness, type GraphQLResponse, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration, describeOnTier } from '../helpers/integration.js';
import { createTestDatabase } from '../helpers/test-database.js';

const CLIENT = { 'user-agent': 'audit-probe/1.0', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' };

describeIntegration('audit log', { env: { TRUST_PROXY: 'true' } }, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  async function rowsOf(keyId: string) {
    await harness.app.flush();
    return harness.db.select().from(auditEvents).where(eq(auditEvents.apiKeyId, keyId)).orderBy(auditEvents.createdAt);
  }

  describe('requests', () => {
    it('records organization, key, action, operation, root fields, outcome, IP, user agent and time', async () => {
      const key = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['event-types:read'] });
      const at = harness.clock;
      expectOk(
        await harness.request('query Probe { viewer { scopes } ...More } fragment More on Query { eventTypes(first: 200) { nodes { id } } }', {
          key: key.secret,
          headers: CLIENT,
        }),
      );
      const [row] = await rowsOf(key.id);
      expect(row).toMatchObject({
        organizationId: org.organizationId,
        environment: 'LIVE',
        apiKeyId: key.id,
        action: 'graphql.query',
        operationName: 'Probe',
        rootFields: ['viewer', 'eventTypes'],
        outcome: 'ok',
        ip: '203.0.113.7',
        userAgent: 'audit-probe/1.0',
      });
      expect(row!.createdAt.getTime()).toBe(at.getTime());
    });

    it('records denied and failed requests with their outcome', async () => {
      const key = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['event-types:read', 'keys:manage'] });
      await harness.request('query Denied { viewer { scopes } apiKeys { id } }', { key: key.secret });
      await harness.request('query Missing { eventType(id: "evtype_none") { id } }', { key: key.secret });
      await createKey(harness, key.secret, { name: '' , scopes: ['event-types:read'] });
      await harness.request('query Invalid { noSuchField }', { key: key.secret });
      await harness.request('query Unparseable { viewer {', { key: key.secret });

      const rows = await rowsOf(key.id);
      const byName = (name: string | null, action: string) => rows.find((row) => row.operationName === name && row.action === action);
      expect(byName('Denied', 'graphql.query')).toMatchObject({ outcome: 'denied', rootFields: ['viewer', 'apiKeys'] });
      expect(byName('Missing', 'graphql.query')).toMatchObject({ outcome: 'error', rootFields: ['eventType'] });
      expect(byName('Create', 'graphql.mutation')).toMatchObject({ outcome: 'error', rootFields: ['createApiKey'] });
      expect(byName('Invalid', 'graphql.query')).toMatchObject({ outcome: 'error', rootFields: ['noSuchField'] });
      expect(byName(null, 'graphql.invalid')).toMatchObject({ outcome: 'error', rootFields: [] });
    });

    it('keeps recording when a caller names its refused operation with a character the database refuses', async () => {
      const key = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['event-types:read'] });
      // Refused after authentication (another organization's id), so recorded with the operation name it sent.
      const refused = await harness.app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}`, 'x-organization-id': 'org_someone_else' },
        body: JSON.stringify({ query: '{ viewer { scopes } }', operationName: 'Evil\u0000Name' }),
      });
      expect(refused.status).toBe(403);
      await harness.request('query After { viewer { scopes } }', { key: key.secret });
      const rows = await rowsOf(key.id);
      expect(harness.app.auditLog.buffered).toBe(0);
      expect(rows.map((row) => [row.action, row.operationName])).toEqual([
        // A name that is no GraphQL name is not the caller's to put in the log.
        ['graphql.refused', null],
        ['graphql.query', 'After'],
      ]);
    });

    it('does not record requests that never authenticated', async () => {
      await harness.app.flush();
      const before = (await harness.db.select().from(auditEvents)).length;
      await harness.request('{ viewer { scopes } }');
      await harness.request('{ viewer { scopes } }', { key: 'sk_live_nope' });
      await harness.app.flush();
      expect((await harness.db.select().from(auditEvents)).length).toBe(before);
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
      const plain = await TestHarness.start();
      try {
        const other = await plain.organization();
        await plain.request('query Plain { viewer { scopes } }', { key: other.adminKey, headers: CLIENT });
        await plain.app.flush();
        const [row] = await plain.db.select().from(auditEvents).where(eq(auditEvents.operationName, 'Plain'));
        expect(row!.ip).toBeNull();
        expect(row!.userAgent).toBe('audit-probe/1.0');
      } finally {
        await plain.stop();
      }
    });
  });

  describe('key management', () => {
    it('records create, update, roll and revoke with the acting key, the target and no secret', async () => {
      const actor = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['keys:manage', 'event-types:read'] });
      const created = await createdKey(harness, actor.secret, { environment: 'LIVE', scopes: ['event-types:read'] });
      const updated = expectOk(await updateKey(harness, actor.secret, created.id, { name: 'renamed' }));
      const rolled = expectOk(await rollKey(harness, actor.secret, created.id, 60)).rollApiKey;
      expectOk(await revokeKey(harness, actor.secret, rolled.apiKey.id));
      expect(updated.updateApiKey.name).toBe('renamed');

      const changes = (await rowsOf(actor.id)).filter((row) => row.action.startsWith('api_key.'));
      expect(changes.map((row) => [row.action, row.targetId])).toEqual([
        ['api_key.created', created.id],
        ['api_key.updated', created.id],
        ['api_key.rolled', created.id],
        ['api_key.revoked', rolled.apiKey.id],
      ]);
      for (const row of changes) expect(row).toMatchObject({ organizationId: org.organizationId, outcome: 'ok' });
      expect(changes[2]!.details).toMatchObject({ newKeyId: rolled.apiKey.id });
      const stored = JSON.stringify(changes);
      for (const secret of [created.secret, rolled.secret]) expect(stored).not.toContain(secret.slice(8));
    });

    it('writes the change and its record in one transaction: no record, no change', async () => {
      await harness.database.query(`alter table audit_events add constraint audit_refuses_creation check (action <> 'api_key.created') not valid`);
      try {
        const response = await createKey(harness, org.adminKey, { name: 'never-stored', environment: 'LIVE', scopes: ['event-types:read'] });
        expect(response.body.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
        expect(await harness.db.select().from(apiKeys).where(eq(apiKeys.name, 'never-stored'))).toEqual([]);
      } finally {
        await harness.database.query('alter table audit_events drop constraint audit_refuses_creation');
      }
    });

    it('writes no record when the change is rolled back', async () => {
      const { principal } = await verifyApiKey(harness.db, org.adminKey, harness.clock);
      const name = `rolled-back-${newId('x')}`;
      await expect(
        harness.db.transaction(async (tx) => {
          const created = await createApiKey(tx, { principal }, { name, type: 'SECRET', environment: 'LIVE', scopes: ['event-types:read'], expiresIn: 'NEVER', allowedOrigins: [] }, harness.clock);
          expect(created.apiKey.name).toBe(name);
          throw new Error('abandon');
        }),
      ).rejects.toThrow('abandon');
      expect(await harness.db.select().from(apiKeys).where(eq(apiKeys.name, name))).toEqual([]);
      const records = await harness.db.select().from(auditEvents).where(eq(auditEvents.action, 'api_key.created'));
      expect(records.filter((row) => (row.details as { name?: string })?.name === name)).toEqual([]);
    });
  });

  describe('auditEvents', () => {
    it('filters by key and action and pages newest first without gaps or repeats', async () => {
      const key = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['event-types:read', 'keys:manage'] });
      for (let i = 0; i < 5; i++) {
        harness.advance(1000);
        await harness.request(`query Page${i} { viewer { scopes } }`, { key: key.secret });
      }
      await createdKey(harness, key.secret, { environment: 'LIVE', scopes: ['event-types:read'] });
      await harness.app.flush();

      const seen: Array<{ id: string; apiKeyId: string; operationName: string | null; createdAt: string; action: string }> = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const response: GraphQLResponse = await harness.request(
          `query Audit($key: ID, $after: String) { auditEvents(apiKeyId: $key, action: "graphql.query", first: 2, after: $after) {
            edges { cursor node { id apiKeyId operationName createdAt action } } pageInfo { hasNextPage endCursor } } }`,
          { key: org.adminKey, variables: { key: key.id, after } },
        );
        const connection: { edges: Array<{ node: (typeof seen)[number] }>; pageInfo: { hasNextPage: boolean; endCursor: string } } =
          expectOk(response).auditEvents;
        expect(connection.edges.length).toBeLessThanOrEqual(2);
        seen.push(...connection.edges.map((edge) => edge.node));
        after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
        pages++;
      } while (after && pages < 10);

      expect(seen.map((event) => event.operationName)).toEqual(['Page4', 'Page3', 'Page2', 'Page1', 'Page0']);
      expect(new Set(seen.map((event) => event.id)).size).toBe(5);
      expect(seen.every((event) => event.apiKeyId === key.id && event.action === 'graphql.query')).toBe(true);
      expect(pages).toBe(3);

      const created = expectOk(
        await harness.request('query Created($key: ID) { auditEvents(apiKeyId: $key, action: "api_key.created") { nodes { action apiKeyId } } }', {
          key: org.adminKey,
          variables: { key: key.id },
        }),
      );
      expect(created.auditEvents.nodes).toEqual([{ action: 'api_key.created', apiKeyId: key.id }]);
    });

    it('shows a test key only test records, and a live key the whole organization', async () => {
      const testKey = await harness.makeKey({ organization: org, environment: 'TEST', scopes: ['audit:read'] });
      await harness.request('query FromTest { viewer { scopes } }', { key: testKey.secret });
      await harness.app.flush();
      const query = '{ auditEvents(first: 200) { nodes { environment operationName } } }';
      const fromTest = expectOk(await harness.request(query, { key: testKey.secret })).auditEvents.nodes;
      expect(fromTest.length).toBeGreaterThan(0);
      expect(fromTest.every((event: { environment: string }) => event.environment === 'TEST')).toBe(true);
      const fromLive = expectOk(await harness.request(query, { key: org.adminKey })).auditEvents.nodes;
      expect(fromLive.some((event: { operationName: string }) => event.operationName === 'FromTest')).toBe(true);
    });
  });
});

describeOnTier('audit buffering', () => {
  it('writes request records in batches off the request path, and all of them on a clean stop', async () => {
    const harness = await TestHarness.start({ AUDIT_FLUSH_INTERVAL_MS: '60000' });
    const org = await harness.organization();
    const count = async () =>
      (await harness.db.select().from(auditEvents).where(and(eq(auditEvents.apiKeyId, org.adminKeyId), eq(auditEvents.action, 'graphql.query')))).length;
    try {
      for (let i = 0; i < 25; i++) await harness.request(`query Q${i} { viewer { scopes } }`, { key: org.adminKey });
      expect(harness.app.auditLog.buffered).toBe(25);
      expect(await count()).toBe(0);
      await harness.app.stop();
      expect(await count()).toBe(25);
      expect(harness.app.auditLog.buffered).toBe(0);
    } finally {
      await harness.database.close();
    }
  });

  it('writes a full batch at once and leaves the records that came in meanwhile for the timer', async () => {
    const database = await createTestDatabase();
    const inserts: string[] = [];
    const session = (database.db as unknown as { session: { logger: { logQuery(query: string): void } } }).session;
    session.logger.logQuery = (query) => void (query.startsWith('insert into "audit_events"') && inserts.push(query));
    const log = new RequestAuditLog(database.db, { flushIntervalMs: 60_000, maxBuffered: 1000 }, createLogger('silent'));
    const record = () => ({ id: newId('evt'), organizationId: 'org_x', environment: 'TEST' as const, action: 'graphql.query', rootFields: [], outcome: 'ok' as const, createdAt: new Date() });
    try {
      // The 200th record starts a write; 50 more arrive before it has taken its batch.
      for (let i = 0; i < 250; i++) log.record(record());
      await vi.waitFor(() => expect(log.written).toBe(200));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(inserts).toHaveLength(1);
      expect(log.buffered).toBe(50);
      // A flush writes what was buffered when it started; what arrives while it writes waits for the next one.
      session.logger.logQuery = (query) => {
        if (!query.startsWith('insert into "audit_events"')) return;
        inserts.push(query);
        for (let i = 0; i < 10; i++) log.record(record());
      };
      await log.flush();
      expect(inserts).toHaveLength(2);
      expect(log.written).toBe(250);
      expect(log.buffered).toBe(10);
    } finally {
      await database.close();
    }
  });

  it('writes every column of a record as given, in one statement whatever the batch size', async () => {
    const database = await createTestDatabase();
    const statements: string[] = [];
    const log = new RequestAuditLog(database.db, { flushIntervalMs: 60_000, maxBuffered: 1000 }, createLogger('silent'));
    const session = (database.db as unknown as { session: { logger: { logQuery(query: string): void } } }).session;
    session.logger.logQuery = (query) => statements.push(query);
    const at = new Date('2026-03-04T05:06:07.089Z');
    const awkward = {
      id: newId('evt'),
      organizationId: 'org_x',
      environment: 'LIVE' as const,
      apiKeyId: null,
      action: 'graphql.mutation',
      operationName: 'Quote"d \\ backslash',
      rootFields: ['a', 'b "c"', 'd,e', '{f}'],
      outcome: 'error' as const,
      targetId: 'bk_1',
      details: { code: 'X', nested: { list: [1, 'two', null], emoji: 'é 😀' } },
      ip: '2001:db8::1',
      userAgent: "it's\nmultiline",
      requestId: 'req_1',
      scopeRequirements: ['bookings:read+event_types:read|admin'],
      createdAt: at,
    };
    const plain = { id: newId('evt'), organizationId: 'org_x', environment: 'TEST' as const, action: 'graphql.query', rootFields: [], outcome: 'ok' as const, createdAt: at };
    try {
      log.record(awkward);
      log.record(plain);
      await log.flush();
      for (let i = 0; i < 7; i++) log.record({ ...plain, id: newId('evt') });
      await log.flush();
      const [read] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, awkward.id));
      expect(read).toEqual(awkward);
      const [readPlain] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, plain.id));
      expect(readPlain).toEqual({ ...plain, apiKeyId: null, operationName: null, targetId: null, details: null, ip: null, userAgent: null, requestId: null, scopeRequirements: null });
      // Batches of 2 and of 7 rows: the same statement text (one prepared statement per connection, not one per size).
      const inserts = statements.filter((statement) => statement.startsWith('insert into "audit_events"'));
      expect(inserts).toHaveLength(2);
      expect(new Set(inserts).size).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('bounds the buffer, drops (and counts) what does not fit, and keeps records while the database is down', async () => {
    const database = await createTestDatabase();
    let failures = 1;
    // The first write (one bulk insert statement) fails like a dropped connection; later ones go through.
    const flaky = new Proxy(database.db, {
      get(target, property, receiver) {
        if (property === 'execute' && failures > 0) {
          failures--;
          return () => Promise.reject(Object.assign(new Error('connection ended'), { code: 'CONNECTION_ENDED' }));
        }
        return Reflect.get(target, property, receiver);
      },
    }) as Database;
    const log = new RequestAuditLog(flaky, { flushIntervalMs: 60_000, maxBuffered: 100 }, createLogger('silent'));
    try {
      for (let i = 0; i < 150; i++) {
        log.record({ id: newId('evt'), organizationId: 'org_x', environment: 'TEST', apiKeyId: 'key_x', action: 'graphql.query', rootFields: [], outcome: 'ok', createdAt: new Date() });
      }
      expect(log.buffered).toBe(100);
      expect(log.dropped).toBe(50);

      await log.flush();
      expect(log.buffered).toBe(100);
      expect(log.written).toBe(0);

      await log.stop();
      expect(log.buffered).toBe(0);
      expect(log.written).toBe(100);
      expect((await database.db.select().from(auditEvents)).length).toBe(100);
    } finally {
      await database.close();
    }
  });
});
