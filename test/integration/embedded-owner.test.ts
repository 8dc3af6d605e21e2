/**
 * An embedded database folder belongs to one process. A second server or CLI
 * on the same folder is turned away at once, naming the holder, having written
 * nothing; a holder that was killed leaves a lock the next start takes over;
 * and a lost key is replaced the way the README says: stop the server,
 * orgs:list, members:list, keys:create, start again.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { EmbeddedDatabaseInUse, LOCK_FILE } from '../../src/db/embedded-folder.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { cliInProcess } from '../helpers/cli.js';
import { demoKeyOf, logLines, runCli, startServer, type Finished, type RunningServer } from '../helpers/processes.js';
import { testTier } from '../helpers/test-database.js';

const SLOW = 180_000;
const embeddedOnly = testTier() !== 'pglite';

async function organizationsIn(url: string): Promise<string[]> {
  const database = await openDatabase(url);
  try {
    return (await database.query<{ name: string }>('select name from organizations order by created_at')).map((row) => row.name);
  } finally {
    await database.close();
  }
}

function expectRefused(result: Finished, folder: string, holder: number) {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toBe(
    `The embedded database in ${folder} is in use by process ${holder}; stop it or use the server's API (or point DATABASE_URL at PostgreSQL to share one database).`,
  );
  expect(result.stdout).toBe('');
}

async function stop(server: RunningServer, signal: NodeJS.Signals = 'SIGTERM') {
  server.child.kill(signal);
  return server.exited;
}

/** A migrated folder (the run's template): what these tests are about is the lock, not creating a database. */
function migratedFolderAt(folder: string): void {
  const template = inject('pgliteFolderTemplate');
  if (template) cpSync(template, folder, { recursive: true });
}

// The tests run at once: each has a folder of its own, and most of their time is spent waiting on
// the processes they start.
describe.skipIf(embeddedOnly)('the embedded database has one owner', { concurrent: true }, () => {
  let root: string;
  const servers: RunningServer[] = [];
  const folderNamed = (name: string) => join(root, name);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tessera-owner-'));
  });
  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) await stop(server, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  const serve = async (env: Record<string, string>) => {
    const server = await startServer(env);
    servers.push(server);
    return server;
  };

  it('turns the CLI and a second server away while a server holds the folder; nothing is written; SIGTERM releases it', async () => {
    const folder = folderNamed('served');
    const url = `file://${folder}`;
    migratedFolderAt(folder);
    const server = await serve({ DATABASE_URL: url, BOOTSTRAP_DEMO: 'true' });
    const lock = join(folder, LOCK_FILE);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(server.child.pid));
    expect(statSync(lock).mode & 0o777).toBe(0o600);

    expectRefused(await runCli(['bootstrap', '--org', 'Lost', '--admin-email', 'ops@lost.test'], { DATABASE_URL: url }), folder, server.child.pid!);
    expectRefused(await runCli(['orgs:list'], { DATABASE_URL: url }), folder, server.child.pid!);
    const second = await startServer({ DATABASE_URL: url }).catch((error: Error) => error);
    expect(String(second)).toContain(`is in use by process ${server.child.pid}`);

    // The server still serves its own data.
    const { key } = demoKeyOf(server);
    const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
    });
    expect((await response.json()).data.viewer.organization.name).toBe('Demo organization');

    expect((await stop(server)).code).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(await organizationsIn(url)).toEqual(['Demo organization']);
  }, SLOW);

  it('lets one of two CLIs started at once on a new folder in; the other is refused naming it', async () => {
    const folder = folderNamed('two-clis');
    const url = `file://${folder}`;
    const results = await Promise.all(
      ['First', 'Second'].map((org) => runCli(['bootstrap', '--org', org, '--admin-email', 'ops@example.com', '--json'], { DATABASE_URL: url })),
    );
    const [winner, loser] = [results.find((result) => result.code === 0), results.find((result) => result.code !== 0)];
    expect(winner, results.map((result) => result.stderr).join('\n')).toBeDefined();
    expect(loser, 'both ran').toBeDefined();
    expectRefused(loser!, folder, winner!.pid);
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
    expect(await organizationsIn(url)).toHaveLength(1);
  }, SLOW);

  it("takes over a killed server's lock on the next start, saying so, with the data intact", async () => {
    const folder = folderNamed('killed');
    const url = `file://${folder}`;
    migratedFolderAt(folder);
    const first = await serve({ DATABASE_URL: url, BOOTSTRAP_DEMO: 'true' });
    const { key } = demoKeyOf(first);
    expect((await stop(first, 'SIGKILL')).signal).toBe('SIGKILL');
    const lock = join(folder, LOCK_FILE);
    expect(readFileSync(lock, 'utf8').trim(), 'a SIGKILL leaves the lock behind').toBe(String(first.child.pid));

    const next = await serve({ DATABASE_URL: url, BOOTSTRAP_DEMO: 'true' });
    const [warning] = logLines(next.output.stdout, 'took over the embedded database');
    expect(warning).toMatchObject({ level: 40, folder, lockHolderPid: first.child.pid });
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(next.child.pid));
    const response = await fetch(`http://127.0.0.1:${next.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
    });
    expect((await response.json()).data.viewer.organization.name).toBe('Demo organization');
    expect((await stop(next)).code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  }, SLOW);

  it('in one process too: a second open of a held folder is refused; locks left by a previous life of this pid, or left empty, are taken over', async () => {
    const folder = folderNamed('in-process');
    const url = `file://${folder}`;
    // Migrated already: the lock is the subject, and creating a database costs seconds of CPU (first-start.test.ts creates one).
    migratedFolderAt(folder);
    const notices: unknown[] = [];
    const held = await openDatabase(url, { onNotice: (notice) => notices.push(notice) });
    expect(notices, 'an existing database is opened, not created').toEqual([]);
    await expect(openDatabase(url)).rejects.toEqual(new EmbeddedDatabaseInUse(folder, process.pid));
    await held.close();

    // A container restarted: the same pid, but nothing in this process holds the folder.
    writeFileSync(join(folder, LOCK_FILE), `${process.pid}\n`);
    notices.length = 0;
    await (await openDatabase(url, { onNotice: (notice) => notices.push(notice) })).close();
    expect(notices).toEqual([{ kind: 'stale-lock-taken-over', folder, pid: process.pid }]);

    // A process that died between creating the lock and writing its pid.
    writeFileSync(join(folder, LOCK_FILE), '');
    utimesSync(join(folder, LOCK_FILE), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    notices.length = 0;
    await (await openDatabase(url, { onNotice: (notice) => notices.push(notice) })).close();
    expect(notices).toEqual([{ kind: 'stale-lock-taken-over', folder, pid: null }]);
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
  }, SLOW);

  it('replaces a lost key as the README says: stop the server, orgs:list, members:list, keys:create, start again', async () => {
    const url = `file://${folderNamed('recovery')}`;
    migratedFolderAt(folderNamed('recovery'));
    // What a first start with BOOTSTRAP_DEMO leaves, its key lost; made here (a server's start and stop are the tests above).
    const first = await openDatabase(url);
    const demo = { organizationName: 'Demo organization', adminEmail: 'admin@example.com', adminName: 'Demo admin', environment: 'TEST' } as const;
    await bootstrapOrganization(first.db, demo, new Date(), 'first-start');
    await first.close();

    // The steps between the two starts, in this process: the folder's one owner is what the tests above are about.
    const cli = async (...args: string[]) => {
      const result = await cliInProcess(args, { DATABASE_URL: url });
      expect(result.code, result.stderr).toBe(0);
      return result.stdout;
    };
    const [organization] = JSON.parse(await cli('orgs:list', '--json'));
    expect(organization).toMatchObject({ name: 'Demo organization', activeMembers: 1, activeKeys: 1 });
    const [admin] = JSON.parse(await cli('members:list', '--org', organization.id, '--json'));
    expect(admin).toMatchObject({ email: 'admin@example.com', role: 'ADMIN', active: true });
    const created = JSON.parse(await cli('keys:create', '--org', organization.id, '--member', admin.id, '--scopes', '*', '--json'));

    const again = await serve({ DATABASE_URL: url, BOOTSTRAP_DEMO: 'true' });
    const response = await fetch(`http://127.0.0.1:${again.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.apiKey.secret}` },
      body: JSON.stringify({ query: '{ viewer { organization { id } scopes } }' }),
    });
    const { data } = await response.json();
    expect(data.viewer.organization.id).toBe(organization.id);
    expect(data.viewer.scopes).toContain('keys:manage');
    expect((await stop(again)).code).toBe(0);
  }, SLOW);
});
