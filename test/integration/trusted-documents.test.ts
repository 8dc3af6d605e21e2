/**
 * Public keys run only the documents you shipped: an organization registers
 * its documents per world, a public key held to them runs nothing else (by
 * `documentId` or as their exact text), any key may send a registered
 * document by its id, and each instance answers all of it from memory,
 * refreshed by registrations made on any instance.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { auditEvents } from '../../src/db/schema/index.js';
import { documentIdOf } from '../../src/lib/document-id.js';
import { createLogger } from '../../src/lib/logger.js';
import { createKey, createdKey, expectBadUserInput, expectOk, expectRequestError, rollKey, updateKey } from '../helpers/api-keys.js';
import { eventually } from '../helpers/eventually.js';
import type { GraphQLResponse, TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';
import { anotherInstanceOf } from '../helpers/test-database.js';

const REGISTER = 'mutation Register($documents: [String!]!) { registerTrustedDocuments(documents: $documents) { id document createdAt } }';
const LIST = 'query List($first: Int, $after: String) { trustedDocuments(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }';
const REMOVE = 'mutation Remove($ids: [String!]!) { removeTrustedDocuments(ids: $ids) { id document } }';
const SCOPES = 'query Scopes { viewer { scopes } }';
const EVENT_TYPES = 'query EventTypes($first: Int!) { eventTypes(first: $first) { nodes { id } } }';
const PUBLIC_SCOPES = ['event-types:read'];

describeIntegrationOnOneTier('trusted documents', (harness) => {
  let org: TestOrganization;
  let other: TestOrganization;
  let fetchOn = (request: Request) => Promise.resolve(harness.app.yoga.fetch(request));

  beforeAll(async () => {
    org = await harness.organization();
    other = await harness.organization();
    fetchOn = (request) => Promise.resolve(harness.app.yoga.fetch(request));
  });

  const register = (key: string, documents: string[]) => harness.request(REGISTER, { key, variables: { documents } });
  const registered = async (key: string, documents: string[]) => expectOk(await register(key, documents)).registerTrustedDocuments as Array<{ id: string; createdAt: string }>;
  const answer = async (request: Request): Promise<GraphQLResponse> => {
    const response = await fetchOn(request);
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  const post = (key: string, body: Record<string, unknown>) =>
    answer(
      new Request('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      }),
    );
  const get = (key: string, params: Record<string, string>) =>
    answer(new Request(`http://tessera.test/graphql?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${key}` } }));
  const restrictedKey = async (organization = org) =>
    createdKey(harness, organization.adminKey, { type: 'PUBLIC', scopes: PUBLIC_SCOPES, trustedDocumentsOnly: true });
  const expectUntrusted = (response: GraphQLResponse) => {
    const error = expectRequestError(response, 403, 'FORBIDDEN');
    expect(error.extensions.reason).toBe('UNTRUSTED_DOCUMENT');
  };
  const expectUnknownId = (response: GraphQLResponse) => expectRequestError(response, 404, 'PERSISTED_DOCUMENT_NOT_FOUND');

  describe('registration', () => {
    it('identifies each document by the SHA-256 of its text, answers a repeat with the existing record, and lists them oldest first', async () => {
      const fresh = await harness.organization();
      const first = await registered(fresh.adminKey, [SCOPES, EVENT_TYPES]);
      expect(first.map((document) => document.id)).toEqual([documentIdOf(SCOPES), documentIdOf(EVENT_TYPES)]);
      expect(first[0]!.id).toMatch(/^sha256:[0-9a-f]{64}$/);

      harness.advance(60_000);
      const again = await registered(fresh.adminKey, [EVENT_TYPES, '{ viewer { scopes } }', EVENT_TYPES]);
      expect(again[0]).toEqual(first[1]); // the same record, its first createdAt
      expect(again[2]).toEqual(first[1]);
      expect(again[1]!.createdAt).not.toBe(first[0]!.createdAt);

      const page = expectOk(await harness.request(LIST, { key: fresh.adminKey, variables: { first: 2 } })).trustedDocuments;
      expect(page.nodes.map((node: { id: string }) => node.id)).toEqual([documentIdOf(SCOPES), documentIdOf(EVENT_TYPES)]);
      const rest = expectOk(await harness.request(LIST, { key: fresh.adminKey, variables: { first: 2, after: page.pageInfo.endCursor } })).trustedDocuments;
      expect(rest).toEqual({ nodes: [{ id: documentIdOf('{ viewer { scopes } }') }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });

      // Audited when something new was registered, with the new ids only; the repeat of a known text is not.
      const records = await harness.db
        .select({ details: auditEvents.details })
        .from(auditEvents)
        .where(and(eq(auditEvents.organizationId, fresh.organizationId), eq(auditEvents.action, 'trusted_documents.registered')));
      expect(records.map((record) => (record.details as { documentIds: string[] }).documentIds)).toEqual([
        [documentIdOf(SCOPES), documentIdOf(EVENT_TYPES)],
        [documentIdOf('{ viewer { scopes } }')],
      ]);
    });

    it("keeps each world's documents apart: a live key neither lists the test documents nor runs them by id", async () => {
      const live = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['keys:read', 'keys:manage', 'event-types:read'] });
      await registered(org.adminKey, [SCOPES]);
      expect(expectOk(await harness.request(LIST, { key: live.secret })).trustedDocuments.nodes).toEqual([]);
      expectUnknownId(await post(live.secret, { documentId: documentIdOf(SCOPES) }));
      await registered(live.secret, [SCOPES]);
      expect(expectOk(await post(live.secret, { documentId: documentIdOf(SCOPES) })).viewer.scopes).toContain('keys:manage');
    });

    it('refuses, naming the document by its index, one that does not parse or validate; and registers none of the batch', async () => {
      const fresh = await harness.organization();
      expect(expectBadUserInput(await register(fresh.adminKey, [SCOPES, '{ viewer {'] ), 'documents[1]').message).toMatch(/does not parse/);
      expect(expectBadUserInput(await register(fresh.adminKey, ['{ noSuchField }']), 'documents[0]').message).toMatch(/does not validate/);
      expectBadUserInput(await register(fresh.adminKey, [SCOPES, 'fragment Unused on Viewer { scopes }']), 'documents[1]');
      expectBadUserInput(await register(fresh.adminKey, ['type Injected { id: ID }']), 'documents[0]');
      expectBadUserInput(await register(fresh.adminKey, []), 'documents');
      expectBadUserInput(await register(fresh.adminKey, Array.from({ length: 101 }, (_, i) => `{ v${i}: viewer { scopes } }`)), 'documents');
      expectBadUserInput(await register(fresh.adminKey, Array.from({ length: 41 }, () => `{ viewer { scopes } }${' '.repeat(4970)}`)), 'documents');
      expect(expectOk(await harness.request(LIST, { key: fresh.adminKey })).trustedDocuments.nodes).toEqual([]);
    });

    it('keeps at most 2000 documents in a world', async () => {
      const fresh = await harness.organization();
      await harness.database.query(
        `insert into trusted_documents (organization_id, environment, hash, document)
         select '${fresh.organizationId}', 'TEST', md5(i::text) || md5(i::text), '{ viewer { scopes } }' from generate_series(1, 1999) as i`,
      );
      const refused = await register(fresh.adminKey, ['{ a: viewer { scopes } }', '{ b: viewer { scopes } }']);
      expect(refused.body.errors?.map((error) => [error.extensions.code, error.extensions.field])).toEqual([['RESOURCE_LIMIT_REACHED', 'documents']]);
      await registered(fresh.adminKey, ['{ a: viewer { scopes } }']);
      // Texts already registered take no room.
      await registered(fresh.adminKey, ['{ a: viewer { scopes } }']);
    });

    it('needs keys:manage to register and keys:read to list', async () => {
      const reader = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
      const refused = await register(reader.secret, [SCOPES]);
      expect(refused.status).toBe(200);
      expect(refused.body.errors?.map((error) => [error.extensions.code, error.extensions.requiredScopes])).toEqual([['FORBIDDEN', [['keys:manage']]]]);
      expectOk(await harness.request(LIST, { key: reader.secret }));
      const site = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: PUBLIC_SCOPES });
      const listed = await harness.request(LIST, { key: site.secret });
      expect(listed.body.data?.trustedDocuments).toBeNull();
      expect(listed.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    });
  });

  describe('running documents', () => {
    let site: { id: string; secret: string };
    beforeAll(async () => {
      await registered(org.adminKey, [SCOPES, EVENT_TYPES]);
      site = await restrictedKey();
    });

    it('resolves a documentId, in a POST body or a GET query string, to the registered text, for any key', async () => {
      const variables = { first: 1 };
      for (const key of [org.adminKey, site.secret]) {
        expect(expectOk(await post(key, { documentId: documentIdOf(EVENT_TYPES), variables, operationName: 'EventTypes' })).eventTypes.nodes).toEqual([]);
        const byGet = await get(key, { documentId: documentIdOf(EVENT_TYPES), variables: JSON.stringify(variables) });
        expect(expectOk(byGet).eventTypes.nodes).toEqual([]);
      }
    });

    it('runs, for a trustedDocumentsOnly public key, exactly the registered texts; anything else is 403 UNTRUSTED_DOCUMENT', async () => {
      expect(expectOk(await harness.request(EVENT_TYPES, { key: site.secret, variables: { first: 1 } })).eventTypes.nodes).toEqual([]);
      expectUntrusted(await harness.request(`${EVENT_TYPES} `, { key: site.secret, variables: { first: 1 } }));
      expectUntrusted(await harness.request('{ eventTypes { nodes { id title } } }', { key: site.secret }));
      // Registered by another organization: not trusted here.
      await registered(other.adminKey, ['{ viewer { organization { id } } }']);
      expectUntrusted(await harness.request('{ viewer { organization { id } } }', { key: site.secret }));
      const error = expectRequestError(await harness.request('{ viewer { scopes } }', { key: site.secret }), 403, 'FORBIDDEN');
      expect(error.extensions.documentId).toBe(documentIdOf('{ viewer { scopes } }'));
      // The same document for an unrestricted public key, and for a secret key: run as ever.
      const open = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: PUBLIC_SCOPES });
      expectOk(await harness.request('{ eventTypes { nodes { id title } } }', { key: open.secret }));
      expectOk(await harness.request('{ eventTypes { nodes { id title } } }', { key: org.adminKey }));
    });

    it("answers an unknown documentId, and another organization's, with the same 404 naming only the id", async () => {
      const theirs = documentIdOf('{ viewer { organization { id } } }');
      await registered(other.adminKey, ['{ viewer { organization { id } } }']);
      const never = documentIdOf('{ viewer { organization { name } } }');
      for (const key of [site.secret, org.adminKey]) {
        const [a, b] = [expectUnknownId(await post(key, { documentId: theirs })), expectUnknownId(await post(key, { documentId: never }))];
        expect(a.message.replace(theirs, 'ID')).toBe(b.message.replace(never, 'ID'));
        expect(a.extensions).toEqual({ ...b.extensions, documentId: theirs, requestId: a.extensions.requestId });
      }
      expectUnknownId(await get(site.secret, { documentId: theirs }));
    });

    it('refuses a malformed documentId, or one sent with a query, as BAD_USER_INPUT naming documentId', async () => {
      expectBadUserInput(await post(site.secret, { documentId: 'sha1:abc' }), 'documentId', 400);
      expectBadUserInput(await post(site.secret, { documentId: 42 }), 'documentId', 400);
      expectBadUserInput(await post(site.secret, { documentId: documentIdOf(SCOPES), query: SCOPES }), 'documentId', 400);
    });
  });

  describe('removal', () => {
    const remove = (key: string, ids: string[]) => harness.request(REMOVE, { key, variables: { ids } });
    const listed = async (key: string) =>
      (expectOk(await harness.request(LIST, { key, variables: { first: 100 } })).trustedDocuments.nodes as Array<{ id: string }>).map((node) => node.id);

    it('removes documents from the world: a key held to them is refused them from the next request, their ids are unknown, and the removal is recorded', async () => {
      const fresh = await harness.organization();
      await registered(fresh.adminKey, [SCOPES, EVENT_TYPES]);
      const site = await restrictedKey(fresh);
      expectOk(await harness.request(SCOPES, { key: site.secret }));

      const removed = expectOk(await remove(fresh.adminKey, [documentIdOf(SCOPES)])).removeTrustedDocuments;
      expect(removed).toEqual([{ id: documentIdOf(SCOPES), document: SCOPES }]);
      expectUntrusted(await harness.request(SCOPES, { key: site.secret }));
      expectUnknownId(await post(site.secret, { documentId: documentIdOf(SCOPES) }));
      expectOk(await harness.request(EVENT_TYPES, { key: site.secret, variables: { first: 1 } }));
      expect(await listed(fresh.adminKey)).toEqual([documentIdOf(EVENT_TYPES)]);
      const records = await harness.db
        .select({ details: auditEvents.details, apiKeyId: auditEvents.apiKeyId })
        .from(auditEvents)
        .where(and(eq(auditEvents.organizationId, fresh.organizationId), eq(auditEvents.action, 'trusted_documents.removed')));
      expect(records).toEqual([{ details: { documentIds: [documentIdOf(SCOPES)] }, apiKeyId: fresh.adminKeyId }]);
    });

    it("removes all or none: an id not registered in this world (another organization's included) is NOT_FOUND by name, a malformed one BAD_USER_INPUT", async () => {
      const fresh = await harness.organization();
      await registered(fresh.adminKey, [SCOPES]);
      const theirs = documentIdOf('{ viewer { organization { id } } }');
      await registered(other.adminKey, ['{ viewer { organization { id } } }']);
      for (const stranger of [theirs, documentIdOf('{ viewer { organization { name } } }')]) {
        const refused = await remove(fresh.adminKey, [documentIdOf(SCOPES), stranger]);
        expect(refused.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
        expect(refused.body.errors?.[0]?.message).toContain(stranger);
      }
      expectBadUserInput(await remove(fresh.adminKey, [documentIdOf(SCOPES), 'sha1:abc']), 'ids[1]');
      expectBadUserInput(await remove(fresh.adminKey, []), 'ids');
      expect(await listed(fresh.adminKey)).toEqual([documentIdOf(SCOPES)]);
      expect(await listed(other.adminKey)).toContain(theirs);
    });

    it('needs keys:manage', async () => {
      const fresh = await harness.organization();
      await registered(fresh.adminKey, [SCOPES]);
      const reader = await harness.makeKey({ organization: fresh, scopes: ['keys:read'] });
      expect((await remove(reader.secret, [documentIdOf(SCOPES)])).body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect(await listed(fresh.adminKey)).toEqual([documentIdOf(SCOPES)]);
    });
  });

  describe('the keys held to trusted documents', () => {
    it('refuses the setting on secret keys, at creation and update, naming it', async () => {
      expectBadUserInput(await createKey(harness, org.adminKey, { scopes: ['event-types:read'], trustedDocumentsOnly: true }), 'trustedDocumentsOnly');
      const secret = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
      expectBadUserInput(await updateKey(harness, org.adminKey, secret.id, { trustedDocumentsOnly: true }), 'trustedDocumentsOnly');
    });

    it('narrows a public key from its next request, keeps the restriction through a roll, and shows it to whoever reads the key', async () => {
      const site = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: PUBLIC_SCOPES });
      expectOk(await harness.request('{ eventTypes { nodes { title } } }', { key: site.secret }));
      expectOk(await updateKey(harness, org.adminKey, site.id, { trustedDocumentsOnly: true }));
      expectUntrusted(await harness.request('{ eventTypes { nodes { title } } }', { key: site.secret }));

      const rolled = expectOk(await rollKey(harness, org.adminKey, site.id)).rollApiKey;
      expectUntrusted(await harness.request('{ eventTypes { nodes { title } } }', { key: rolled.secret }));
      const seen = await harness.request(`{ apiKeys { id trustedDocumentsOnly } }`, { key: org.adminKey });
      expect(expectOk(seen).apiKeys.find((key: { id: string }) => key.id === rolled.apiKey.id).trustedDocumentsOnly).toBe(true);
      // The key itself reads its own setting, as it reads its origins (and it is one of the registered documents it may run only if registered).
      await registered(org.adminKey, ['{ viewer { apiKey { trustedDocumentsOnly allowedOrigins } } }']);
      expect(expectOk(await harness.request('{ viewer { apiKey { trustedDocumentsOnly allowedOrigins } } }', { key: rolled.secret })).viewer.apiKey).toEqual({
        trustedDocumentsOnly: true,
        allowedOrigins: [],
      });
    });

    it('lets only a caller that covers the key lift the restriction (a widening), from the next request on', async () => {
      const site = await restrictedKey();
      const narrow = await harness.makeKey({ organization: org, scopes: ['keys:manage'] });
      const refused = await updateKey(harness, narrow.secret, site.id, { trustedDocumentsOnly: false });
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', deniedScopes: ['event-types:read'] });
      expectUntrusted(await harness.request('{ eventTypes { nodes { title } } }', { key: site.secret }));
      expectOk(await updateKey(harness, org.adminKey, site.id, { trustedDocumentsOnly: false }));
      expectOk(await harness.request('{ eventTypes { nodes { title } } }', { key: site.secret }));
    });
  });

  describe('held in memory', () => {
    it('costs no query at steady state: registered documents by id or text, untrusted texts and unknown ids alike', async () => {
      const fresh = await harness.organization();
      await registered(fresh.adminKey, [SCOPES]);
      const site = await restrictedKey(fresh);
      // A cold world is loaded once, however many requests arrive together.
      const loads = harness.app.trustedDocuments.loads;
      const burst = await Promise.all(Array.from({ length: 10 }, () => post(site.secret, { documentId: documentIdOf(SCOPES) })));
      expect(burst.map((response) => response.status)).toEqual(Array(10).fill(200));
      expect(harness.app.trustedDocuments.loads - loads).toBe(1);

      const counter = QueryCounter.attach(harness.db);
      const statements = await counter.during(async () => {
        expectOk(await post(site.secret, { documentId: documentIdOf(SCOPES) }));
        expectOk(await harness.request(SCOPES, { key: site.secret }));
        expectUntrusted(await harness.request('{ viewer { scopes } }', { key: site.secret }));
        for (let i = 0; i < 5; i++) expectUnknownId(await post(site.secret, { documentId: documentIdOf(`{ v${i}: viewer { scopes } }`) }));
      });
      expect(statements.filter((statement) => statement.includes('trusted_documents'))).toEqual([]);
      expect(harness.app.trustedDocuments.loads - loads).toBe(1);
    });

    it('honours a registration made on one instance on another over the same database, through its change notice', async () => {
      const fresh = await harness.organization();
      const site = await restrictedKey(fresh);
      const database = await anotherInstanceOf(harness.database);
      const second = await createApp(loadConfig({ DATABASE_URL: 'memory://', RETENTION_INTERVAL_MS: '0' }), {
        database,
        logger: createLogger('silent'),
        now: () => harness.clock,
      });
      try {
        fetchOn = (request) => Promise.resolve(second.yoga.fetch(request));
        // The second instance holds this world in memory, without the document.
        expectUntrusted(await post(site.secret, { query: SCOPES }));
        await registered(fresh.adminKey, [SCOPES]);
        // Registered through the first instance: only the notice reaches the second one's memory.
        await eventually(async () => (await post(site.secret, { query: SCOPES })).status === 200, 5000, 'the registration reaching the second instance');
        expect(expectOk(await post(site.secret, { documentId: documentIdOf(SCOPES) })).viewer.scopes).toEqual(PUBLIC_SCOPES);
      } finally {
        fetchOn = (request) => Promise.resolve(harness.app.yoga.fetch(request));
        await second.stop();
        await database.close();
      }
    });
  });
});
