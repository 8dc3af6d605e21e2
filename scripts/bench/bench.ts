/**
 * `npm run bench`: load on loopback against (a) bare Yoga with the same
 * resolvers and no authentication, (b) the full app with in-memory stores and
 * (c) the full app with a throw-away redis-server, one after the other, each
 * in its own process while autocannon runs here. A tool, not a test: it
 * prints figures, it asserts nothing.
 *
 * BENCH_DURATION (seconds, default 10) and BENCH_CONNECTIONS (default 20).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { findRedisServer, startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';

// The fixed query, as the schema now spells it: eventTypes became a connection.
const QUERY = '{ eventTypes(first: 20) { nodes { id title } } }';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP = 3;

type Mode = 'bare' | 'memory' | 'redis';
type Stats = { queries: number; keyLookups: number; lastUsedWrites: number; auditRecords: number };
type Row = { mode: Mode; rps: number; p50: number; p99: number; failed: number; requests: number; stats: Stats };

const LABEL: Record<Mode, string> = {
  bare: '(a) bare Yoga, no auth',
  memory: '(b) full, memory stores',
  redis: '(c) full, Redis',
};

async function startTarget(mode: Mode, redisUrl?: string): Promise<{ child: ChildProcess; port: number; key: string }> {
  const child = fork(fileURLToPath(new URL('./target.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_MODE: mode, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ port: number; key: string }];
  return { child, ...ready };
}

async function stats(child: ChildProcess): Promise<Stats> {
  child.send('stats');
  const [reply] = (await once(child, 'message')) as [Stats];
  return reply;
}

async function measure(mode: Mode, redisUrl?: string): Promise<Row> {
  const { child, port, key } = await startTarget(mode, redisUrl);
  try {
    const load = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: QUERY }),
        connections: CONNECTIONS,
        duration,
      });
    await load(WARMUP); // caches filled, JIT warm, the first last-used write done
    const before = await stats(child);
    const result = await load(DURATION);
    const after = await stats(child);
    const delta = Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - before[name as keyof Stats]])) as Stats;
    return {
      mode,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      failed: result.non2xx + result.errors + result.timeouts,
      requests: result.requests.total,
      stats: delta,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

const binary = findRedisServer();
let redis: RedisServer | undefined;
const rows: Row[] = [];
try {
  rows.push(await measure('bare'));
  rows.push(await measure('memory'));
  if (binary) {
    redis = await startRedisServer(binary);
    rows.push(await measure('redis', redis.url));
  } else {
    console.log('redis-server not found: (c) skipped');
  }
} finally {
  await redis?.stop();
}

const bare = rows[0]!;
const perRequest = (row: Row, count: number) => count / Math.max(row.requests, 1);
const bareQueries = perRequest(bare, bare.stats.queries);
console.log(`\n${QUERY}  ·  ${CONNECTIONS} connections  ·  ${DURATION} s after ${WARMUP} s warm-up  ·  PGlite in memory, 127.0.0.1\n`);
console.table(
  rows.map((row) => ({
    target: LABEL[row.mode],
    'req/s': Math.round(row.rps),
    'p50 ms': row.p50,
    'p99 ms': row.p99,
    'vs (a)': (row.rps / bare.rps).toFixed(2),
    failed: row.failed,
    'DB queries/req': perRequest(row, row.stats.queries).toFixed(3),
    'auth-path DB queries/req': row.mode === 'bare' ? '-' : (perRequest(row, row.stats.queries) - bareQueries).toFixed(4),
    'key lookups': row.mode === 'bare' ? '-' : row.stats.keyLookups,
    'last-used writes': row.mode === 'bare' ? '-' : row.stats.lastUsedWrites,
    'audit records (batched)': row.mode === 'bare' ? '-' : row.stats.auditRecords,
  })),
);
for (const row of rows.slice(1)) console.log(`${row.mode === 'memory' ? 'b/a' : 'c/a'} = ${(row.rps / bare.rps).toFixed(2)}`);
