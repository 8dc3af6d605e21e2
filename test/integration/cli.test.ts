import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { API_KEY_PATTERN } from '../../src/auth/key-format.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { ALL_SCOPES } from '../../src/auth/access/scopes.js';
import { createLogger } from '../../src/lib/logger.js';
import { dumpAllRows, secretFragments } from '../helpers/dump.js';
import { describeOnTier } from '../helpers/integration.js';
import { baseEnv, ROOT, runCli, type Finished } from '../helpers/processes.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

const SLOW = 180_000;

/** Opens the CLI's database in this process (after the CLI exited: PGlite is single-process) and asks the API. */
async function withApp<T>(url: string, work: (ask: (query: string, key: string) => Promise<{ status: number; body: any }>, database: DatabaseHandle) => Promise<T>) {
  const database = await openDatabase(url);
  const app = createApp(loadConfig({ DATABASE_URL: 'memory://' }), { database, logger: createLogger('silent') });
  const ask = async (query: string, key: string) => {
    const response = await app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: await response.json() };
  };
  try {
    return await work(ask, database);
  } finally {
    await app.stop();
    await database.close();
  }
}

function expectOneLineError(result: Finished, ...mentions: string[]) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}

describeOnTier('CLI', () => {
  let url: string;
  let drop: () => Promise<void>;
  let bootstrapped: { organizationId: string; memberId: string; apiKey: { id: string; secret: string } };

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
  });
  afterAll(() => drop());

  it('bootstrap --json prints exactly one JSON object whose secret works against the API afterwards', async () => {
    const result = await runCli(['bootstrap', '--org', 'Acme', '--admin-email', 'ops@acme.test', '--json'], { DATABASE_URL: url });
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
    const result = await runCli(['bootstrap', '--org', 'Live Co', '--admin-email', 'ops@live.test', '--environment', 'live'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    const keys = result.stdout.match(/(sk|pk)_(live|test)_[0-9A-Za-z]{38}/g) ?? [];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^sk_live_/);
    expect(result.stdout).toMatch(/not shown again/);
  }, SLOW);

  it('keys:list shows previews and status, never secrets', async () => {
    const result = await runCli(['keys:list', '--org', bootstrapped.organizationId, '--json'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<Record<string, string>>;
    expect(rows).toEqual([
      expect.objectContaining({ id: bootstrapped.apiKey.id, status: 'ACTIVE', type: 'SECRET', environment: 'TEST', scopes: '*' }),
    ]);
    expect(rows[0]!.preview).toBe(`${bootstrapped.apiKey.secret.slice(0, 12)}…${bootstrapped.apiKey.secret.slice(-4)}`);
    for (const fragment of secretFragments(bootstrapped.apiKey.secret)) expect(result.stdout).not.toContain(fragment);
  }, SLOW);

  it('keys:revoke refuses the key from the next request on', async () => {
    const result = await runCli(['keys:revoke', bootstrapped.apiKey.id], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Revoked ${bootstrapped.apiKey.id}`);
    await withApp(url, async (ask) => {
      const response = await ask('{ viewer { scopes } }', bootstrapped.apiKey.secret);
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('INVALID_API_KEY');
      expect(response.body.errors[0].message).toMatch(/revoked/);
    });
  }, SLOW);

  it('answers mistakes with exit code 1 and one line', async () => {
    expectOneLineError(await runCli(['keys:revoke', 'key_doesnotexist'], { DATABASE_URL: url }), 'key_doesnotexist');
    expectOneLineError(await runCli(['bootstrap', '--org', 'X', '--admin-email', 'not-an-email', '--json'], { DATABASE_URL: url }), 'email');
  }, SLOW);

  it('refuses an invalid DATABASE_URL with one line naming it, before touching anything', async () => {
    const result = await runCli(['keys:list', '--org', 'org_x'], { DATABASE_URL: 'mysql://admin:hunter2@db/tessera' });
    expectOneLineError(result, 'DATABASE_URL');
    expect(result.stderr).not.toContain('hunter2');
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
