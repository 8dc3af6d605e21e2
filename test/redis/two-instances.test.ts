/**
 * Two real server processes (`node --import tsx src/server.ts`) on two ports over one
 * throw-away PostgreSQL database and one throw-away redis-server, as behind a
 * load balancer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { findKeyById, revokeApiKey } from '../../src/modules/api-keys/api-keys.service.js';
import { bootstrapOrganization, type Bootstrapped } from '../../src/modules/organizations/bootstrap.js';
import { eventually } from '../helpers/eventually.js';
import { findFreePort } from '../helpers/free-port.js';
import { nodeArgs } from '../helpers/processes.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const adminUrl = inject('postgresAdminUrl');
const redisBinary = inject('redisServerBinary');
const root = fileURLToPath(new URL('../..', import.meta.url));
const VIEWER = '{ viewer { scopes } }';

type Instance = { port: number; process: ChildProcess; output: string[] };

const pgbouncerUrl = inject('pgbouncerUrl');
// Directly, and again through PgBouncer in transaction mode (traffic pooled, sessions direct).
const routes = [
  { via: 'directly', bouncer: null as string | null },
  { via: 'through PgBouncer', bouncer: pgbouncerUrl },
];

describe.each(routes)('two server processes sharing PostgreSQL ($via) and Redis', ({ via, bouncer }) => {
  if (!adminUrl || !redisBinary || (via !== 'directly' && !bouncer)) {
    it.skip('needs PostgreSQL, redis-server (and pgbouncer)', () => {});
    return;
  }
  let redis: RedisServer;
  let database: DatabaseHandle;
  let databaseName: string;
  let org: Bootstrapped;
  let a: Instance;
  let b: Instance;

  const ask = async (instance: Instance, key: string, query = VIEWER) => {
    const response = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const ready = async (instance: Instance) => {
    try {
      return (await (await fetch(`http://127.0.0.1:${instance.port}/ready`)).json()) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const newKey = async () => {
    const { apiKey, secret } = await createOperatorKey(
      database.db,
      { organizationId: org.organization.id, memberId: org.member.id },
      { name: 'load', type: 'SECRET', environment: 'TEST', scopes: ['keys:read'], expiresIn: 'NEVER', allowedOrigins: [] },
      new Date(),
      'test',
    );
    return { id: apiKey.id, secret };
  };

  beforeAll(async () => {
    redis = await startRedisServer(redisBinary!);
    databaseName = `tessera_multi_${randomBytes(5).toString('hex')}`;
    await withAdmin((sql) => sql`create database ${sql(databaseName)}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${databaseName}`;
    database = await openDatabase(url.toString());
    await migrateDatabase(database);
    org = await bootstrapOrganization(database.db, { organizationName: 'Multi', adminEmail: 'ops@example.com', environment: 'TEST' }, new Date(), 'test');
    const pooled = bouncer ? new URL(bouncer) : null;
    if (pooled) pooled.pathname = `/${databaseName}`;
    const env = {
      DATABASE_URL: (pooled ?? url).toString(),
      ...(pooled ? { DATABASE_DIRECT_URL: url.toString(), DATABASE_PREPARED_STATEMENTS: 'false' } : {}),
      REDIS_URL: redis.url,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_TEST_PER_MINUTE: '100000',
      LOG_LEVEL: 'warn',
      WEBHOOK_POLL_INTERVAL_MS: '0',
      CALENDAR_REFRESH_INTERVAL_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
    for (const instance of [a, b]) {
      await eventually(async () => (await ready(instance)).redis === 'ok', 60_000, `server on ${instance.port} ready with Redis`).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${instance.output.join('')}`);
        },
      );
    }
  });

  afterAll(async () => {
    for (const instance of [a, b]) if (instance) stopServer(instance);
    await database?.close();
    if (databaseName) await withAdmin((sql) => sql`drop database if exists ${sql(databaseName)} with (force)`);
    await redis?.stop();
  });

  it('admits exactly L of 3L simultaneous requests across both instances', async () => {
    const key = await newKey();
    const limit = 30;
    await database.query(`update api_keys set rate_limit_requests = ${limit}, rate_limit_window_seconds = 3600 where id = '${key.id}'`);
    const statuses = await Promise.all(Array.from({ length: 3 * limit }, (_, i) => ask(i % 2 ? b : a, key.secret)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * limit);
  });

  it('refuses a key on one instance within a second of its revocation on the other', async () => {
    const key = await newKey();
    expect(await ask(a, key.secret)).toBe(200);
    expect(await ask(b, key.secret)).toBe(200); // now cached on both
    const revoke = `mutation { revokeApiKey(id: "${key.id}") { status } }`;
    expect(await ask(a, org.secret, revoke)).toBe(200);
    const took = await eventually(async () => (await ask(b, key.secret)) === 401, 1000, 'instance B refusing the key');
    expect(took).toBeLessThan(1000);
  });

  it('refuses a key on both instances within a second of its revocation by another process (the CLI)', async () => {
    const key = await newKey();
    expect(await ask(a, key.secret)).toBe(200);
    expect(await ask(b, key.secret)).toBe(200);
    await revokeApiKey(database.db, { cli: 'test' }, (await findKeyById(database.db, key.id))!, new Date());
    await eventually(async () => (await ask(a, key.secret)) === 401 && (await ask(b, key.secret)) === 401, 1000, 'both refusing');
  });

  it('fails no request when Redis is killed mid-run', async () => {
    const key = await newKey();
    const statuses: number[] = [];
    for (let wave = 0; wave < 20; wave++) {
      const requests = Array.from({ length: 10 }, (_, i) => ask(i % 2 ? b : a, key.secret));
      // SIGKILL while the eighth wave is in flight on both instances.
      if (wave === 8) await redis.stop();
      statuses.push(...(await Promise.all(requests)));
    }
    expect(statuses).toEqual(Array(200).fill(200));
    for (const instance of [a, b]) expect(await ready(instance)).toMatchObject({ status: 'ready', redis: 'unreachable' });
  });

  it('both stop when SIGTERM comes as their database is dropped and Redis goes away: at once directly, by the deadline through PgBouncer', async () => {
    // Once, the end of a shutdown waited on a listener's UNLISTEN over a dead connection and the
    // process lingered until its safety exit 30 s later, code 1 — or, under a test run, forever. Through
    // PgBouncer the final audit write waits on a pooler that keeps retrying the dropped database:
    // SHUTDOWN_TIMEOUT_MS (2 s here) bounds it, and the exit code says records were lost.
    const exits = [a, b].map((instance) => new Promise<number | null>((resolve) => instance.process.once('exit', (code) => resolve(code))));
    for (const instance of [a, b]) stopServer(instance);
    await withAdmin((sql) => sql`drop database if exists ${sql(databaseName)} with (force)`);
    await redis.stop();
    const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000).unref());
    const codes = await Promise.all(exits.map((exit) => Promise.race([exit, bound])));
    expect(codes).toEqual(bouncer ? [expect.any(Number), expect.any(Number)] : [0, 0]);
  });

  async function startServer(env: Record<string, string>): Promise<Instance> {
    const port = await findFreePort();
    // Node itself, not npx or tsx's launcher: a signal reaches the server, and nothing is left behind.
    const child = spawn(process.execPath, nodeArgs('src/server.ts'), {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group
    });
    const output: string[] = [];
    child.stdout?.on('data', (chunk) => output.push(String(chunk)));
    child.stderr?.on('data', (chunk) => output.push(String(chunk)));
    return { port, process: child, output };
  }
});

function stopServer(instance: Instance): void {
  if (instance.process.pid && instance.process.exitCode === null) {
    try {
      process.kill(-instance.process.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

async function withAdmin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl!, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
