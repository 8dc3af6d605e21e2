/**
 * What a first start on an empty database does. Only the zero-configuration
 * start (`npm start` with DATABASE_URL unset) makes a demo organization, and
 * its key never goes into the log stream; a database someone chose
 * (postgres://, file://PATH, memory://) stays empty, and the log says how to
 * create the first organization.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { welcomeEmptyDatabase } from '../../src/lifecycle/first-organization.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { describeOnTier } from '../helpers/integration.js';
import { eventually } from '../helpers/eventually.js';
import { baseEnv, demoKeyOf, KEY_PATTERN, logLines, ROOT, startServer, type RunningServer } from '../helpers/processes.js';
import { createDatabaseUrl, createTestDatabase, testTier } from '../helpers/test-database.js';

const SLOW = 180_000;

async function countOrganizationsIn(database: DatabaseHandle): Promise<number> {
  const [row] = await database.query<{ count: number }>('select count(*)::int as count from organizations');
  return Number(row!.count);
}

async function countOrganizations(url: string): Promise<number> {
  const database = await openDatabase(url);
  try {
    return await countOrganizationsIn(database);
  } finally {
    await database.close();
  }
}

async function stopped(server: RunningServer) {
  server.child.kill('SIGTERM');
  expect((await server.exited).code).toBe(0);
}

/** util-linux `script` runs a command on a pseudo-terminal, as a person's shell would. */
const hasScript = spawnSync('script', ['--version']).status === 0;

const messages = (server: RunningServer) => logLines(server.output.stdout, '').map((line) => line.msg as string);

// The tests run at once: each starts its own server on its own database or folder, and waits on it.
describeOnTier('first start', () => {
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
  });
  afterAll(() => drop());

  it('leaves an empty database someone chose empty, and logs how to bootstrap it with the CLI', async () => {
    const server = await startServer({ DATABASE_URL: url });
    try {
      const [hint] = logLines(server.output.stdout, 'no organization yet');
      expect(hint).toMatchObject({ level: 30, command: 'npm run cli -- bootstrap --org "<name>" --admin-email <email>' });
      expect(hint!.msg).toContain(testTier() === 'postgres' ? 'same DATABASE_URL' : 'stop the server');
      expect(logLines(server.output.stdout, 'created a demo organization')).toEqual([]);
      expect(server.output.stdout + server.output.stderr).not.toMatch(KEY_PATTERN);
    } finally {
      await stopped(server);
    }
    expect(await countOrganizations(url)).toBe(0);
  }, SLOW);

  // In this process, on a copy of the migrated template: the start's decision is the subject, and a server
  // process would first spend seconds of CPU creating a database in memory (the test below creates one on disk).
  it.skipIf(testTier() !== 'pglite')('makes no demo on memory:// either, and says why the CLI cannot help there', async () => {
    const config = loadConfig({ DATABASE_URL: 'memory://' });
    expect(config.bootstrapDemo).toBe(false);
    const database = await createTestDatabase();
    const { logger, lines } = captureLogs('info');
    try {
      await welcomeEmptyDatabase({ config, database, logger, graphiql: 'http://localhost:4000/graphql' });
      const [hint, ...others] = lines;
      expect(others).toEqual([]);
      expect(hint!.msg).toContain('no organization yet');
      expect(hint!.msg).toContain('BOOTSTRAP_DEMO=true');
      expect(await countOrganizationsIn(database)).toBe(0);
    } finally {
      await database.close();
    }
  }, SLOW);

  it.skipIf(testTier() !== 'pglite')(
    'with DATABASE_URL unset, says it is creating .data/pglite before the slow part, and puts the demo key in a 0600 file there, not on stdout',
    async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'tessera-zero-config-'));
      try {
        const server = await startServer({}, { cwd });
        try {
          const order = messages(server);
          const creating = order.findIndex((message) => message === 'creating the embedded database in .data/pglite (first start, a few seconds)');
          expect(creating, order.join('\n')).toBeGreaterThanOrEqual(0);
          expect(creating).toBeLessThan(order.findIndex((message) => message.startsWith('Tessera listening')));

          const { keyFile, key } = demoKeyOf(server);
          expect(keyFile).toBe(join(realpathSync(cwd), '.data/pglite/demo-key.txt'));
          expect(statSync(keyFile).mode & 0o777).toBe(0o600);
          expect(readFileSync(keyFile, 'utf8')).toContain(`{ "Authorization": "Bearer ${key}" }`);
          expect(server.output.stdout + server.output.stderr).not.toContain(key);

          const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
          });
          expect((await response.json()).data.viewer.organization.name).toBe('Demo organization');
        } finally {
          await stopped(server);
        }
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it.skipIf(testTier() !== 'pglite' || !hasScript)('in a terminal, prints the demo key on stderr only: not on stdout, not in a file', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-terminal-'));
    // Where the key goes is the point here, not creating the database (the test above does that): a migrated, empty one.
    const template = inject('pgliteFolderTemplate');
    if (template) cpSync(template, join(cwd, '.data/pglite'), { recursive: true });
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    // stdout (the log) goes to a file, as under a collector; stderr stays on the terminal.
    const command = `node --import ${loader} ${join(ROOT, 'src/server.ts')} > stdout.log`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: baseEnv({ PORT: '0', HOST: '127.0.0.1' }) });
    let terminal = '';
    child.stdout.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    const log = () => (existsSync(join(cwd, 'stdout.log')) ? readFileSync(join(cwd, 'stdout.log'), 'utf8') : '');
    try {
      await eventually(() => log().includes('Tessera listening'), 120_000, 'the server listening');
      // The terminal (a pseudo-terminal, relayed by script) may trail the log file on a busy machine.
      await eventually(() => (terminal.match(KEY_PATTERN) ?? []).length > 0 && terminal.includes('"Authorization"'), 30_000, 'the key on the terminal');
      const keys = [...new Set(terminal.match(KEY_PATTERN) ?? [])];
      expect(keys, terminal).toHaveLength(1);
      expect(terminal).toContain(`{ "Authorization": "Bearer ${keys[0]}" }`);
      expect(log()).not.toMatch(KEY_PATTERN);
      expect(logLines(log(), 'created a demo organization')[0]!.msg).toContain('printed on the terminal');
      expect(existsSync(join(cwd, '.data/pglite/demo-key.txt'))).toBe(false);
    } finally {
      // The server is script's grandchild: its pid is in the lock.
      const lock = join(cwd, '.data/pglite/tessera.lock');
      if (existsSync(lock)) process.kill(Number(readFileSync(lock, 'utf8')), 'SIGTERM');
      else child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('close', resolve));
      rmSync(cwd, { recursive: true, force: true });
    }
  }, SLOW);
}, { concurrent: true });
