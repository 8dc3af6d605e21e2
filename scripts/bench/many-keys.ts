/**
 * `npm run bench:keys`: does the size of api_keys matter? On a throw-away
 * PostgreSQL, the full app (memory stores) is measured with about 1,000 keys
 * in the table, then again after filling it to BENCH_KEYS (default
 * 1,000,000): the cold-key latency (a key's first request: one indexed lookup
 * by hash) over fresh keys, and steady-state throughput with a verified key.
 * A tool, not a test: it prints figures and the ratio, it asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { bootstrapOrganization, type Bootstrapped } from '../../src/modules/organizations/bootstrap.js';
import { findServerBinDir, startCluster } from '../../test/helpers/postgres-cluster.js';

const TARGET_KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const COLD_SAMPLES = 100;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const QUERY = JSON.stringify({ query: '{ viewer { scopes } }' });

async function fill(database: DatabaseHandle, org: Bootstrapped, upTo: number): Promise<number> {
  const [row] = await database.query<{ count: number }>('select count(*)::int as count from api_keys');
  const count = row?.count ?? 0;
  if (count < upTo) {
    // Keys nobody holds (random hashes): they only make the table and its hash index big.
    await database.query(`
      insert into api_keys (id, organization_id, environment, owner_member_id, recipient_member_id, name, type, hash, preview, scopes)
      select 'key_fill_' || g, '${org.organization.id}', 'TEST', '${org.member.id}', '${org.member.id}', 'filler', 'SECRET',
             md5(g::text || 'a') || md5(g::text || 'b'), 'sk_test_fill', '{}'
      from generate_series(${count}, ${upTo - 1}) g;
      analyze api_keys;`);
  }
  return upTo;
}

async function measure(database: DatabaseHandle, org: Bootstrapped, url: string) {
  const now = new Date();
  const fresh = [];
  for (let i = 0; i < COLD_SAMPLES + 1; i++) {
    fresh.push(
      (
        await createOperatorKey(
          database.db,
          { organizationId: org.organization.id, memberId: org.member.id },
          { name: `bench ${i}`, type: 'SECRET', environment: 'TEST', scopes: ['keys:read'], expiresIn: 'NEVER', allowedOrigins: [] },
          now,
          'bench',
        )
      ).secret,
    );
  }
  // A new app: nothing cached.
  const app = await createApp(loadConfig({ DATABASE_URL: url, ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', RATE_LIMIT_TEST_PER_MINUTE: '10000000', RETENTION_INTERVAL_MS: '0', WEBHOOK_POLL_INTERVAL_MS: '0' }), {
    database,
    logger: createLogger('silent'),
  });
  const server: Server = createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const ask = async (key: string) => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: QUERY });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return performance.now() - started;
  };
  const warm = fresh.pop()!;
  await ask(warm);
  const cold = [];
  for (const key of fresh) cold.push(await ask(key));
  cold.sort((a, b) => a - b);
  const load = await autocannon({ url: `http://127.0.0.1:${port}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${warm}` }, body: QUERY, connections: 20, duration: DURATION });
  server.close();
  await app.stop();
  return { coldP50: cold[Math.floor(cold.length / 2)]!, coldP90: cold[Math.floor(cold.length * 0.9)]!, rps: load.requests.average };
}

const binDir = findServerBinDir();
if (!binDir) throw new Error('PostgreSQL server binaries not found');
const cluster = await startCluster(binDir);
try {
  const admin = postgres(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, { max: 1, onnotice: () => {} });
  await admin`create database bench_keys`;
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${cluster.port}/bench_keys`;
  // No statement timeout: filling a million rows takes longer than a request's statement may.
  const database = await openDatabase(url, { timeouts: { connectTimeoutMs: 3000, statementTimeoutMs: 0 } });
  await migrateDatabase(database);
  const org = await bootstrapOrganization(database.db, { organizationName: 'Keys', adminEmail: 'keys@example.com', environment: 'TEST' }, new Date(), 'bench');
  const rows = [];
  for (const size of [1_000, TARGET_KEYS]) {
    const started = Date.now();
    await fill(database, org, size);
    if (size > 1_000) console.log(`filled api_keys to ${size.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    rows.push({ keys: size, ...(await measure(database, org, url)) });
  }
  await database.close();
  console.table(rows.map((row) => ({ 'keys in api_keys': row.keys.toLocaleString('en'), 'cold key p50 ms': row.coldP50.toFixed(2), 'cold key p90 ms': row.coldP90.toFixed(2), 'req/s (a verified key)': Math.round(row.rps) })));
  const [small, large] = rows as [(typeof rows)[0], (typeof rows)[0]];
  console.log(`${large.keys.toLocaleString('en')} vs ${small.keys.toLocaleString('en')} keys: cold p50 ×${(large.coldP50 / small.coldP50).toFixed(2)}, throughput ×${(large.rps / small.rps).toFixed(2)} (target: within 10 %)`);
} finally {
  cluster.stop();
}
