/**
 * `npm run bench`: load on loopback against (a) bare Yoga with the same
 * resolvers and no authentication, (b) the full app with in-memory stores and
 * (c) the full app with a throw-away redis-server, one after the other, each
 * in its own process while autocannon runs here. A tool, not a test: it
 * prints figures, it asserts nothing.
 *
 * BENCH_ROUNDS (default 3) rounds of BENCH_DURATION seconds (default 5) per
 * target, alternating, with BENCH_CONNECTIONS connections (default 20).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { findRedisServer, startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';

// The fixed query, as the schema now spells it: eventTypes became a connection.
const QUERY = '{ eventTypes(first: 20) { nodes { id title } } }';
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP = 3;

type Mode = 'bare' | 'memory' | 'redis';
type Stats = { queries: number; authPathQueries: number; keyLookups: number; lastUsedWrites: number; auditRecords: number };
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

type Target = { mode: Mode; child: ChildProcess; port: number; key: string };
type Round = { rps: number; p50: number; p99: number; failed: number; requests: number; stats: Stats };

function load(target: Target, duration: number) {
  return autocannon({
    url: `http://127.0.0.1:${target.port}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({ query: QUERY }),
    connections: CONNECTIONS,
    duration,
  });
}

async function round(target: Target): Promise<Round> {
  const before = await stats(target.child);
  const result = await load(target, DURATION);
  const after = await stats(target.child);
  const delta = Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - before[name as keyof Stats]])) as Stats;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
    stats: delta,
  };
}

/** The round with the median throughput stands for the target; counters add up over all rounds. */
function summarize(mode: Mode, rounds: Round[]): Row {
  const median = [...rounds].sort((x, y) => x.rps - y.rps)[Math.floor(rounds.length / 2)]!;
  const sum = (pick: (r: Round) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const stats = Object.fromEntries(
    (Object.keys(median.stats) as (keyof Stats)[]).map((name) => [name, sum((r) => r.stats[name])]),
  ) as Stats;
  return { mode, rps: median.rps, p50: median.p50, p99: median.p99, failed: sum((r) => r.failed), requests: sum((r) => r.requests), stats };
}

const binary = findRedisServer();
let redis: RedisServer | undefined;
const targets: Target[] = [];
const rows: Row[] = [];
try {
  targets.push({ mode: 'bare', ...(await startTarget('bare')) });
  targets.push({ mode: 'memory', ...(await startTarget('memory')) });
  if (binary) {
    redis = await startRedisServer(binary);
    targets.push({ mode: 'redis', ...(await startTarget('redis', redis.url)) });
  } else {
    console.log('redis-server not found: (c) skipped');
  }
  // Caches filled, JIT warm, the first last-used write done.
  for (const target of targets) await load(target, WARMUP);
  // Rounds alternate between the targets, so a noisy neighbour slows them all alike.
  const rounds = new Map<Mode, Round[]>(targets.map((target) => [target.mode, []]));
  for (let i = 0; i < ROUNDS; i++) for (const target of targets) rounds.get(target.mode)!.push(await round(target));
  for (const target of targets) rows.push(summarize(target.mode, rounds.get(target.mode)!));
} finally {
  for (const target of targets) target.child.kill('SIGKILL');
  await redis?.stop();
}

const bare = rows[0]!;
const perRequest = (row: Row, count: number) => count / Math.max(row.requests, 1);
console.log(
  `\n${QUERY}  ·  ${CONNECTIONS} connections  ·  median of ${ROUNDS} alternating ${DURATION} s rounds after ${WARMUP} s warm-up  ·  PGlite in memory, 127.0.0.1\n`,
);
console.table(
  rows.map((row) => ({
    target: LABEL[row.mode],
    'req/s': Math.round(row.rps),
    'p50 ms': row.p50,
    'p99 ms': row.p99,
    'vs (a)': (row.rps / bare.rps).toFixed(2),
    failed: row.failed,
    'DB queries/req': perRequest(row, row.stats.queries).toFixed(3),
    'auth-path DB queries/req': row.mode === 'bare' ? '-' : perRequest(row, row.stats.authPathQueries).toFixed(4),
    'key lookups': row.mode === 'bare' ? '-' : row.stats.keyLookups,
    'last-used writes': row.mode === 'bare' ? '-' : row.stats.lastUsedWrites,
    'audit records': row.mode === 'bare' ? '-' : row.stats.auditRecords,
  })),
);
for (const row of rows.slice(1)) console.log(`${row.mode === 'memory' ? 'b/a' : 'c/a'} = ${(row.rps / bare.rps).toFixed(2)}`);
