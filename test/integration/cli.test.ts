import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_KEY_PATTERN } from '../../src/auth/key-format.js';
import { ALL_SCOPES } from '../../src/auth/access/scopes.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { loadTrustedDocuments } from '../../src/modules/trusted-documents/trusted-documents.service.js';
import { cliInProcess, expectOneLineError, withApp } from '../helpers/cli.js';
import { dumpAllRows, secretFragments } from '../helpers/dump.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';
import { baseEnv, ROOT, runCli } from '../helpers/processes.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

const SLOW = 180_000;

describeProcessesOnOneTier('CLI', () => {
  let url: string;
  let drop: () => Promise<void>;
  let bootstrapped: { organizationId: string; memberId: string; apiKey: { id: string; secret: string } };

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
  });
  afterAll(() => drop());

  it('bootstrap --json prints exactly one JSON object whose secret works against the API afterwards', async () => {
    const result = await cliInProcess(['bootstrap', '--org', 'Acme', '--admin-email', 'ops@acme.test', '--json'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    bootstrapped = JSON.parse(result.stdout);
    expect(Object.keys(bootstrapped).sort()).toEqual(['apiKey', 'memberId', 'organizationId']);
    expect(Object.keys(bootstrapped.apiKey).sort()).toEqual(['id', 'secret']);
    expect(bootstrapped.apiKey.secret).toMatch(/^sk_test_/);
    expect(API_KEY_PATTERN.test(bootstrapped.apiKey.secret)).toBe(true);
    expect(result.stderr).not.toContain(bootstrapped.apiKey.secret);

    await withApp(url, async (ask, database) => {
      const response = await ask('{ viewer { organization { id name } apiKey { id createdBy { id role } } scopes } }', bootstrapped.apiKey.secret);
      expect(response.status).toBe(200);
      expect(response.body.data.viewer).toEqual({
        organization: { id: bootstrapped.organizationId, name: 'Acme' },
        apiKey: { id: bootstrapped.apiKey.id, createdBy: { id: bootstrapped.memberId, role: 'ADMIN' } },
        scopes: [...ALL_SCOPES].sort(),
      });
      // The CLI's key is stored like any other: hash and preview only.
      const { text } = await dumpAllRows(database);
      for (const fragment of secretFragments(bootstrapped.apiKey.secret)) expect(text).not.toContain(fragment);
    });
  }, SLOW);

  it('bootstrap --environment live makes a live key, and without --json says it is shown once', async () => {
    const result = await cliInProcess(['bootstrap', '--org', 'Live Co', '--admin-email', 'ops@live.test', '--environment', 'live'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    const keys = result.stdout.match(/(sk|pk)_(live|test)_[0-9A-Za-z]{38}/g) ?? [];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^sk_live_/);
    expect(result.stdout).toMatch(/not shown again/);
  }, SLOW);

  it('keys:list shows previews and status, never secrets', async () => {
    const result = await cliInProcess(['keys:list', '--org', bootstrapped.organizationId, '--json'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<Record<string, string>>;
    expect(rows).toEqual([
      expect.objectContaining({ id: bootstrapped.apiKey.id, status: 'ACTIVE', type: 'SECRET', environment: 'TEST', scopes: '*' }),
    ]);
    expect(rows[0]!.preview).toBe(`${bootstrapped.apiKey.secret.slice(0, 12)}…${bootstrapped.apiKey.secret.slice(-4)}`);
    for (const fragment of secretFragments(bootstrapped.apiKey.secret)) expect(result.stdout).not.toContain(fragment);
  }, SLOW);

  it('keys:revoke refuses the key from the next request on', async () => {
    const result = await cliInProcess(['keys:revoke', bootstrapped.apiKey.id], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Revoked ${bootstrapped.apiKey.id}`);
    await withApp(url, async (ask) => {
      const response = await ask('{ viewer { scopes } }', bootstrapped.apiKey.secret);
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('INVALID_API_KEY');
      expect(response.body.errors[0].message).toMatch(/revoked/);
    });
  }, SLOW);

  it('orgs:list shows every organization with its active members and keys (a revoked key is not counted); members:list its people', async () => {
    const listed = await cliInProcess(['orgs:list', '--json'], { DATABASE_URL: url });
    expect(listed.code, listed.stderr).toBe(0);
    const organizations = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(organizations.map(({ name, activeMembers, activeKeys }) => ({ name, activeMembers, activeKeys }))).toEqual([
      { name: 'Acme', activeMembers: 1, activeKeys: 0 },
      { name: 'Live Co', activeMembers: 1, activeKeys: 1 },
    ]);
    expect(organizations[0]).toEqual({ id: bootstrapped.organizationId, name: 'Acme', createdAt: expect.any(String), activeMembers: 1, activeKeys: 0 });

    const table = await cliInProcess(['orgs:list'], { DATABASE_URL: url });
    expect(table.stdout).toContain(bootstrapped.organizationId);

    const members = await cliInProcess(['members:list', '--org', bootstrapped.organizationId, '--json'], { DATABASE_URL: url });
    expect(members.code, members.stderr).toBe(0);
    expect(JSON.parse(members.stdout)).toEqual([
      { id: bootstrapped.memberId, email: 'ops@acme.test', name: '', role: 'ADMIN', active: true, createdAt: expect.any(String) },
    ]);
    expectOneLineError(await cliInProcess(['members:list', '--org', 'org_doesnotexist'], { DATABASE_URL: url }), 'org_doesnotexist');
  }, SLOW);

  it("documents:register trusts a build's manifest in one world; a server then runs those documents for a key held to them; documents:remove takes them back", async () => {
    const result = await cliInProcess(
      ['documents:register', join(ROOT, 'examples/booking-widget/src/gql/persisted-documents.json'), '--org', bootstrapped.organizationId, '--environment', 'test', '--json'],
      { DATABASE_URL: url },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ total: 4, added: 4 });
    const manifest = JSON.parse(readFileSync(join(ROOT, 'examples/booking-widget/src/gql/persisted-documents.json'), 'utf8')) as Record<string, string>;
    await withApp(url, async (ask, database) => {
      const world = { organizationId: bootstrapped.organizationId, environment: 'TEST' as const };
      expect([...(await loadTrustedDocuments(database.db, world)).keys()].map((hash) => `sha256:${hash}`).sort()).toEqual(Object.keys(manifest).sort());
      const { secret } = await createOperatorKey(
        database.db,
        { organizationId: bootstrapped.organizationId, memberId: bootstrapped.memberId },
        { name: 'Widget', type: 'PUBLIC', environment: 'TEST', scopes: ['event-types:read'], expiresIn: 'NEVER', allowedOrigins: [], trustedDocumentsOnly: true },
        new Date(),
        'test',
      );
      const [eventTypes] = Object.values(manifest);
      expect((await ask(eventTypes!, secret)).status).toBe(200);
      expect((await ask('{ eventTypes { nodes { id } } }', secret)).body.errors[0].extensions.reason).toBe('UNTRUSTED_DOCUMENT');
    });

    // Taken back, all or none.
    const [first, second] = Object.keys(manifest);
    const unknown = `sha256:${'0'.repeat(64)}`;
    expectOneLineError(await cliInProcess(['documents:remove', first!, unknown, '--org', bootstrapped.organizationId, '--environment', 'test'], { DATABASE_URL: url }), unknown);
    const removed = await cliInProcess(['documents:remove', first!, second!, '--org', bootstrapped.organizationId, '--environment', 'test', '--json'], { DATABASE_URL: url });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: [first, second] });
    await withApp(url, async (_ask, database) => {
      const world = { organizationId: bootstrapped.organizationId, environment: 'TEST' as const };
      expect([...(await loadTrustedDocuments(database.db, world)).keys()].map((hash) => `sha256:${hash}`).sort()).toEqual(Object.keys(manifest).slice(2).sort());
    });
  }, SLOW);

  it('answers mistakes with exit code 1 and one line', async () => {
    expectOneLineError(await cliInProcess(['keys:revoke', 'key_doesnotexist'], { DATABASE_URL: url }), 'key_doesnotexist');
    expectOneLineError(await cliInProcess(['bootstrap', '--org', 'X', '--admin-email', 'not-an-email', '--json'], { DATABASE_URL: url }), 'email');
  }, SLOW);

  it('refuses an invalid DATABASE_URL with one line naming it, before touching anything; the real process and a run in this one alike', async () => {
    const args = ['keys:list', '--org', 'org_x'];
    const env = { DATABASE_URL: 'mysql://admin:hunter2@db/tessera' };
    // A process: the entry point's own exit code and stderr, which the other tests run without.
    const result = await runCli(args, env);
    expectOneLineError(result, 'DATABASE_URL');
    expect(result.stderr).not.toContain('hunter2');
    const inProcess = await cliInProcess(args, env);
    expect({ ...inProcess, pid: result.pid }).toEqual(result);
  }, SLOW);

  it('`npm run -s cli -- bootstrap … --json` prints nothing but the JSON (as the README says)', async () => {
    const child = spawn('npm', ['run', '-s', 'cli', '--', 'bootstrap', '--org', 'Npm', '--admin-email', 'npm@example.com', '--json'], {
      cwd: ROOT,
      env: baseEnv({ DATABASE_URL: url }),
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(stdout)).sort()).toEqual(['apiKey', 'memberId', 'organizationId']);
  }, SLOW);
});
