import { execFileSync, spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { hashApiKey, keyPreview } from '../../src/auth/key-format.js';
import { loadConfig } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { createdKey, expectOk, rollKey } from '../helpers/api-keys.js';
import { dumpAllRows, secretFragments } from '../helpers/dump.js';
import { describeOnTier } from '../helpers/integration.js';
import { createTestDatabase, testTier } from '../helpers/test-database.js';

const pgDumpAvailable = spawnSync('pg_dump', ['--version']).status === 0;

describeOnTier('secrets at rest', () => {
  let database: DatabaseHandle;
  let app: App;
  let logs = '';
  const secrets: string[] = [];

  async function call(query: string, key: string | null, variables?: Record<string, unknown>) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const response = await app.yoga.fetch('http://tessera.test/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as never };
  }
  // Just enough of TestHarness for the key helpers, over an app that logs everything.
  const client = { request: (query: string, options: { key?: string | null; variables?: Record<string, unknown> } = {}) => call(query, options.key ?? null, options.variables) };

  beforeAll(async () => {
    database = await createTestDatabase();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    app = await createApp(loadConfig({ DATABASE_URL: 'memory://' }), { database, logger: createLogger('trace', sink) });

    // The path the CLI and the first start take...
    const made = await bootstrapOrganization(database.db, { organizationName: 'Vault', adminEmail: 'admin@example.com', environment: 'LIVE' }, new Date(), 'cli');
    secrets.push(made.secret);
    // ...and the API: create, create public, roll.
    const server = await createdKey(client as never, made.secret, { environment: 'LIVE', scopes: ['event-types:read', 'keys:manage'] });
    const browser = await createdKey(client as never, made.secret, {
      type: 'PUBLIC',
      environment: 'LIVE',
      scopes: ['event-types:read'],
      allowedOrigins: ['https://shop.example.com'],
    });
    const rolled = expectOk((await rollKey(client as never, made.secret, server.id, 3600)) as never).rollApiKey;
    secrets.push(server.secret, browser.secret, rolled.secret);

    // Use them, well and badly, so every logging path runs.
    for (const secret of secrets) await call('query Use { viewer { scopes } apiKeys { id preview } }', secret);
    await call('{ viewer { scopes } }', `${made.secret.slice(0, -1)}x`);
    await call('{ viewer { scopes', made.secret);
    await app.flush();
  });

  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it('stores no secret in any table, only hashes and previews', async () => {
    const { tables, text } = await dumpAllRows(database);
    expect(tables).toEqual(expect.arrayContaining(['public.api_keys', 'public.audit_events', 'public.organizations', 'public.members']));
    for (const secret of secrets) {
      for (const fragment of secretFragments(secret)) expect(text).not.toContain(fragment);
      expect(text).toContain(hashApiKey(secret));
      expect(text).toContain(keyPreview(secret));
    }
  });

  it.skipIf(testTier() !== 'postgres' || !pgDumpAvailable)('leaves no secret in a pg_dump of the database', async () => {
    const [where] = await database.query<{ name: string; port: number }>('select current_database() as name, inet_server_port() as port');
    const dump = execFileSync('pg_dump', ['--dbname', `postgres://postgres@127.0.0.1:${where!.port}/${where!.name}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(dump).toContain('api_keys');
    for (const secret of secrets) {
      for (const fragment of secretFragments(secret)) expect(dump).not.toContain(fragment);
      expect(dump).toContain(hashApiKey(secret));
    }
  });

  it('never logs a secret, even at trace level', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) for (const fragment of secretFragments(secret)) expect(logs).not.toContain(fragment);
  });

  it('never returns a secret again after creation', async () => {
    for (const secret of secrets.slice(0, 1)) {
      const response = await call('{ viewer { apiKey { id preview } } apiKeys(includeRevoked: true) { id name preview } auditEvents(first: 200) { nodes { details } } }', secret);
      const text = JSON.stringify(response.body);
      expect(text).toContain('preview');
      for (const other of secrets) for (const fragment of secretFragments(other)) expect(text).not.toContain(fragment);
    }
  });
});
