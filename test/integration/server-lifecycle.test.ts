import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';
import { baseEnv, demoKeyOf, KEY_PATTERN as KEY, nodeArgs, ROOT, startServer } from '../helpers/processes.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

const SLOW = 180_000;

async function post(port: number, query: string, key: string) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describeProcessesOnOneTier('server lifecycle', () => {
  let url: string;
  let drop: () => Promise<void>;
  let demoKey: string;

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
  });
  afterAll(() => drop());

  it('a first start with BOOTSTRAP_DEMO and no terminal writes one test key to a 0600 file, never to stdout; SIGTERM finishes the request in flight, flushes, exits 0', async () => {
    const env = { DATABASE_URL: url, BOOTSTRAP_DEMO: 'true', AUDIT_FLUSH_INTERVAL_MS: '60000', LAST_USED_WRITE_INTERVAL_MS: '3600000' };
    const server = await startServer(env);
    try {
      const { keyFile, key } = demoKeyOf(server);
      demoKey = key;
      expect(demoKey).toMatch(/^sk_test_/);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const text = readFileSync(keyFile, 'utf8');
      expect(text).toContain(`Open GraphiQL at http://localhost:${server.port}/graphql`);
      expect(text).toContain(`{ "Authorization": "Bearer ${demoKey}" }`);
      // The log names the file; the key itself reaches neither stream.
      expect(server.output.stdout).toContain(keyFile);
      expect(server.output.stdout.match(KEY)).toBeNull();
      expect(server.output.stderr.match(KEY)).toBeNull();
      // PostgreSQL has no data folder: the file is in a temporary folder of its own.
      if (basename(dirname(keyFile)).startsWith('tessera-demo-')) rmSync(dirname(keyFile), { recursive: true });

      const health = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`http://127.0.0.1:${server.port}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
      const graphiql = await fetch(`http://127.0.0.1:${server.port}/graphql`, { headers: { accept: 'text/html' } });
      expect(graphiql.status).toBe(200);

      const before = await post(server.port, 'query Before { viewer { scopes } }', demoKey);
      expect(before.status).toBe(200);
      expect(before.body.data.viewer.scopes).toContain('keys:manage');

      // A request in flight: headers sent, body not finished yet.
      const body = JSON.stringify({ query: 'query InFlight { viewer { organization { id } } }' });
      const inFlight = httpRequest({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${demoKey}` },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        inFlight.once('response', (response: IncomingMessage) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, text }));
        });
        inFlight.once('error', reject);
      });
      inFlight.write(body.slice(0, 10));
      inFlight.flushHeaders();
      await new Promise((resolve) => setTimeout(resolve, 200));

      server.child.kill('SIGTERM');
      await server.waitFor(/shutting down/);
      // No longer accepting connections...
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => resolve('accepted'));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(refused).toBe('ECONNREFUSED');
      // ...but the request in flight is answered.
      const sentAt = new Date();
      inFlight.end(body.slice(10));
      const response = await answered;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text).data.viewer.organization.id).toMatch(/^org_/);

      const exit = await server.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stdout).toMatch(/"msg":"stopped"/);

      // Everything buffered reached the database before the process exited.
      const database = await openDatabase(url);
      try {
        const audit = await database.query<{ operation_name: string; outcome: string }>(
          `select operation_name, outcome from audit_events where operation_name in ('Before', 'InFlight') order by created_at`,
        );
        expect(audit).toEqual([
          { operation_name: 'Before', outcome: 'ok' },
          { operation_name: 'InFlight', outcome: 'ok' },
        ]);
        const [key] = await database.query<{ last_used_at: string | Date }>(`select last_used_at from api_keys where name = 'Bootstrap admin key'`);
        // Written at shutdown: the interval (an hour) had not passed since the first request's write.
        expect(new Date(key!.last_used_at).getTime()).toBeGreaterThanOrEqual(sentAt.getTime() - 1);
      } finally {
        await database.close();
      }
    } finally {
      server.child.kill('SIGKILL');
    }
  }, SLOW);

  it('later starts make no key, and SIGINT stops cleanly too', async () => {
    const server = await startServer({ DATABASE_URL: url, BOOTSTRAP_DEMO: 'true' });
    try {
      expect(server.output.stdout.match(KEY)).toBeNull();
      expect(server.output.stdout).not.toContain('created a demo organization');
      const response = await post(server.port, '{ viewer { scopes } }', demoKey);
      expect(response.status).toBe(200);
      server.child.kill('SIGINT');
      const exit = await server.exited;
      expect(exit.code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, SLOW);

  /** The server started directly, to completion: for start-ups that must fail. */
  const failedStart = (env: Record<string, string>) =>
    spawnSync(process.execPath, nodeArgs('src/server.ts'), { cwd: ROOT, env: baseEnv({ DATABASE_URL: url, ...env }), encoding: 'utf8' });

  it('refuses an invalid PORT with one line naming it', () => {
    const result = failedStart({ PORT: 'eighty' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('eighty');
  }, SLOW);

  it('refuses a PORT already in use with one line naming it', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const result = failedStart({ PORT: String(port), HOST: '127.0.0.1' });
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('PORT');
      expect(lines[0]).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  }, SLOW);
});
