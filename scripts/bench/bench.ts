/**
 * `npm run bench`: load on loopback against (h) the server a user would write
 * by hand (Yoga, an SDL schema, the driver, the same SQL, no auth), (a) bare
 * Yoga with our schema and resolvers and no authentication, (b) the full app
 * with in-memory stores and (c) the full app with a throw-away redis-server,
 * each in its own process while autocannon runs here — first on a throw-away
 * PostgreSQL it starts (when the server binaries are there), then on PGlite in
 * memory. A tool, not a test: it prints figures and ratios, it asserts nothing.
 *
 * BENCH_ROUNDS (default 3) rounds of BENCH_DURATION seconds (default 5) per
 * target, alternating, with BENCH_CONNECTIONS connections (default 20); then
 * the p50 latency with one connection, timed to the microsecond by
 * one-connection.ts (autocannon keeps whole milliseconds, too coarse for
 * sub-millisecond answers). BENCH_DATABASES=postgres,pglite picks.
 * BENCH_COMPILED_EXECUTION=false runs (a), (b) and (c) on graphql-js's
 * executor instead of the compiled one, to compare.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { oneConnectionLatency, percentiles } from './one-connection.js';
import { findServerBinDir, startCluster, type Cluster } from '../../test/helpers/postgres-cluster.js';
import { findRedisServer, startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';

// The fixed query, as the schema now spells it: eventTypes became a connection.
const QUERY = '{ eventTypes(first: 20) { nodes { id title } } }';
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP = 3;

type Mode = 'hand' | 'bare' | 'memory' | 'redis';
// cpuMicros: the target process's CPU time (user + system), so CPU per request, which a busy
// neighbour disturbs far less than requests per second.
type Stats = { queries: number; authPathQueries: number; cpuMicros: number; keyLookups: number; lastUsedWrites: number; auditRecords: number };
type Row = { mode: Mode; rps: number; p50: number; p99: number; p50single: number; failed: number; requests: number; stats: Stats };

const LABEL: Record<Mode, string> = {
  hand: '(h) hand-written Yoga + driver',
  bare: '(a) bare Yoga, our schema, no auth',
  memory: '(b) full, memory stores',
  redis: '(c) full, Redis',
};

async function startTarget(mode: Mode, adminUrl: string | undefined, redisUrl?: string): Promise<{ child: ChildProcess; port: number; key: string }> {
  const child = fork(fileURLToPath(new URL('./target.ts', import.meta.url)), [], {
    // BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile the targets.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, BENCH_MODE: mode, ...(adminUrl ? { BENCH_ADMIN_URL: adminUrl } : {}), ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    // Its stdout is its log (BENCH_LOG_LEVEL=info: an access log line per request), written as a server's goes to a file.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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

function load(target: Target, duration: number, connections = CONNECTIONS) {
  return autocannon({
    url: `http://127.0.0.1:${target.port}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({ query: QUERY }),
    connections,
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
function summarize(mode: Mode, rounds: Round[], p50single: number): Row {
  const median = [...rounds].sort((x, y) => x.rps - y.rps)[Math.floor(rounds.length / 2)]!;
  const sum = (pick: (r: Round) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const stats = Object.fromEntries(
    (Object.keys(median.stats) as (keyof Stats)[]).map((name) => [name, sum((r) => r.stats[name])]),
  ) as Stats;
  return { mode, rps: median.rps, p50: median.p50, p99: median.p99, p50single, failed: sum((r) => r.failed), requests: sum((r) => r.requests), stats };
}

/** Every target on one database kind, rounds alternating so a noisy neighbour slows them all alike. */
async function measure(adminUrl: string | undefined): Promise<Row[]> {
  const binary = findRedisServer();
  let redis: RedisServer | undefined;
  const targets: Target[] = [];
  try {
    for (const mode of ['hand', 'bare', 'memory'] as const) targets.push({ mode, ...(await startTarget(mode, adminUrl)) });
    if (binary) {
      redis = await startRedisServer(binary);
      targets.push({ mode: 'redis', ...(await startTarget('redis', adminUrl, redis.url)) });
    } else {
      console.log('redis-server not found: (c) skipped');
    }
    // Caches filled, JIT warm, the first last-used write done.
    for (const target of targets) await load(target, WARMUP);
    const rounds = new Map<Mode, Round[]>(targets.map((target) => [target.mode, []]));
    for (let i = 0; i < ROUNDS; i++) for (const target of targets) rounds.get(target.mode)!.push(await round(target));
    // One connection: rounds alternating as well, the samples of all rounds together.
    const single = new Map<Mode, number[]>(targets.map((target) => [target.mode, []]));
    const body = JSON.stringify({ query: QUERY });
    for (let i = 0; i < ROUNDS; i++) {
      for (const target of targets) single.get(target.mode)!.push(...(await oneConnectionLatency(target.port, target.key, body, SINGLE_DURATION / ROUNDS)));
    }
    return targets.map((target) => summarize(target.mode, rounds.get(target.mode)!, percentiles(single.get(target.mode)!).p50));
  } finally {
    // SIGINT: a target exits normally, so a profiler (BENCH_NODE_ARGS) writes its file.
    await Promise.all(targets.map((target) => (target.child.kill('SIGINT'), once(target.child, 'exit'))));
    await redis?.stop();
  }
}

function report(database: string, rows: Row[]): void {
  const byMode = new Map(rows.map((row) => [row.mode, row]));
  const hand = byMode.get('hand')!;
  const bare = byMode.get('bare')!;
  const perRequest = (row: Row, count: number) => count / Math.max(row.requests, 1);
  const full = (row: Row) => row.mode === 'memory' || row.mode === 'redis';
  const cpuPerRequest = (row: Row) => perRequest(row, row.stats.cpuMicros);
  console.log(`\n${database}: ${QUERY}  ·  ${CONNECTIONS} connections  ·  median of ${ROUNDS} alternating ${DURATION} s rounds after ${WARMUP} s warm-up; p50 latency at 1 connection over ${SINGLE_DURATION} s in ${ROUNDS} alternating rounds, timed here to the microsecond (autocannon's p50/p99 at ${CONNECTIONS} connections are whole milliseconds)\n`);
  console.table(
    rows.map((row) => ({
      target: LABEL[row.mode],
      'req/s': Math.round(row.rps),
      'p50 ms': row.p50,
      'p99 ms': row.p99,
      'p50 ms, 1 conn': row.p50single.toFixed(3),
      'vs (h)': (row.rps / hand.rps).toFixed(2),
      'vs (a)': (row.rps / bare.rps).toFixed(2),
      'CPU µs/req': Math.round(cpuPerRequest(row)),
      'CPU vs (h)': (cpuPerRequest(hand) / cpuPerRequest(row)).toFixed(2),
      failed: row.failed,
      'DB statements/req': perRequest(row, row.stats.queries).toFixed(3),
      'auth-path statements/req': full(row) ? perRequest(row, row.stats.authPathQueries).toFixed(4) : '-',
      'key lookups': full(row) ? row.stats.keyLookups : '-',
    })),
  );
  const memory = byMode.get('memory');
  const redis = byMode.get('redis');
  const ratio = (a: Row | undefined, b: Row) => (a ? (a.rps / b.rps).toFixed(2) : 'n/a');
  console.log(
    `${database}: (b)/(h) = ${ratio(memory, hand)} (target ≥ 0.80) · (c)/(h) = ${ratio(redis, hand)} (target ≥ 0.75) · (b)/(a) = ${ratio(memory, bare)} (target ≥ 0.95) · ` +
      `latency at 1 connection (b)/(h) = ${memory ? (memory.p50single / Math.max(hand.p50single, 0.001)).toFixed(2) : 'n/a'} (target ≤ 1.5)`,
  );
  // What a saturated core would give, from CPU per request: the same ratios, less at the mercy of the neighbours.
  const cpuRatio = (a: Row | undefined, b: Row) => (a ? (cpuPerRequest(b) / cpuPerRequest(a)).toFixed(2) : 'n/a');
  console.log(`${database}, by CPU per request: (b)/(h) = ${cpuRatio(memory, hand)} · (c)/(h) = ${cpuRatio(redis, hand)} · (b)/(a) = ${cpuRatio(memory, bare)}`);
}

const SINGLE_DURATION = Math.max(2, Math.round(DURATION / 2));
const databases = (process.env.BENCH_DATABASES ?? 'postgres,pglite').split(',');
console.log(`machine: ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) at the start`);
if (databases.includes('postgres')) {
  const binDir = findServerBinDir();
  if (!binDir) console.log('PostgreSQL server binaries not found: the PostgreSQL run is skipped');
  else {
    let cluster: Cluster | undefined;
    try {
      cluster = await startCluster(binDir);
      const rows = await measure(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
      report(`PostgreSQL ${cluster.version}`, rows);
    } finally {
      cluster?.stop();
    }
  }
}
if (databases.includes('pglite')) report('PGlite in memory', await measure(undefined));
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) at the end`);
