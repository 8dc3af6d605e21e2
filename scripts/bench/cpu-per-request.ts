/**
 * `npm run bench:cpu`: the CPU each target spends per request with no HTTP
 * in between — each target (bench.ts's (h), (a), (b), each in its own
 * process over one throw-away PostgreSQL) answers BENCH_REQUESTS (1,000)
 * requests through its own handler, 10 at a time, in BENCH_ROUNDS (5)
 * alternating rounds after BENCH_WARMUP (8,000) requests each; it prints
 * each round and the median. Without a load generator on the same cores,
 * small differences show that autocannon's req/s hides on a shared machine.
 * Each target runs twice: with queries compiled (graphql-jit) and on
 * graphql-js's executor (BENCH_COMPILED_EXECUTION=false), to measure what
 * compiling buys. (b) runs once more without access control (an ablation,
 * without-access-control/admission.ts): (b) against that row is what access
 * control itself costs, apart from the pipeline's other work (audit record,
 * metrics, log, deadline) that (b) against (a) includes. On a noisy machine,
 * many short rounds (BENCH_REQUESTS=300 BENCH_ROUNDS=31) pair them best.
 * A tool, not a test: it asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { findServerBinDir, startCluster } from '../../test/helpers/postgres-cluster.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// V8 is still optimizing for the first several thousand requests: rounds measured before that fall as they go.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 8000);

type Target = { label: string; child: ChildProcess; rounds: number[] };

const binDir = findServerBinDir();
if (!binDir) throw new Error('PostgreSQL server binaries not found (TESSERA_PG_BIN_DIR or the usual places): nothing to measure on');
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) at the start`);
const cluster = await startCluster(binDir);
const targets: Target[] = [];
try {
  const adminUrl = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`;
  const withoutAccessControl = ['--import', fileURLToPath(new URL('./without-access-control/register.mjs', import.meta.url))];
  const variants: Array<readonly [label: string, mode: string, compiled: string, nodeArgs?: string[]]> = [
    ['(h) hand-written', 'hand', 'true'],
    ['(a) bare Yoga, compiled', 'bare', 'true'],
    ['(a) bare Yoga, graphql-js', 'bare', 'false'],
    ['(b) full, compiled', 'memory', 'true'],
    ['(b) full, graphql-js', 'memory', 'false'],
    // The ablation: (b) with admission's checks taken out (without-access-control/admission.ts); (b) against it is what access control itself costs.
    ['(b−) full, no access control', 'memory', 'true', withoutAccessControl],
  ];
  for (const [label, mode, compiled, nodeArgs = []] of variants) {
    const child = fork(fileURLToPath(new URL('./target.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', ...nodeArgs],
      env: { ...process.env, BENCH_MODE: mode, BENCH_ADMIN_URL: adminUrl, BENCH_COMPILED_EXECUTION: compiled },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await once(child, 'message');
    targets.push({ label, child, rounds: [] });
  }
  const run = async (target: Target, count: number) => {
    target.child.send({ inProcess: count });
    const [reply] = (await once(target.child, 'message')) as [{ cpuPerRequest: number }];
    return reply.cpuPerRequest;
  };
  // Warm: caches filled, code compiled and optimized.
  for (const target of targets) await run(target, WARMUP);
  for (let i = 0; i < ROUNDS; i++) for (const target of targets) target.rounds.push(await run(target, REQUESTS));
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const hand = median(targets[0]!.rounds);
  console.table(
    targets.map(({ label, rounds }) => ({
      target: label,
      'CPU µs/req, each round': rounds.map((value) => Math.round(value)).join(' '),
      median: Math.round(median(rounds)),
      'vs (h)': (hand / median(rounds)).toFixed(2),
    })),
  );
  // Round by round, (b) and (b−) ran moments apart: the median of their ratios, which a neighbour's burst moves less than either median.
  const rowOf = (label: string) => targets.find((target) => target.label === label)!;
  const full = rowOf('(b) full, compiled');
  const ablated = rowOf('(b−) full, no access control');
  const ratios = full.rounds.map((cpu, i) => ablated.rounds[i]! / cpu).sort((x, y) => x - y);
  const quartile = (q: number) => ratios[Math.floor(q * (ratios.length - 1))]!.toFixed(2);
  console.log(
    `access control itself: (b)/(b−) = ${median(ratios).toFixed(2)} by CPU per request, round by round (quartiles ${quartile(0.25)}–${quartile(0.75)}); ` +
      `target ≥ 0.95 (the issue's "access control itself ≤ 5 %")`,
  );
} finally {
  await Promise.all(targets.map((target) => (target.child.kill('SIGINT'), once(target.child, 'exit'))));
  cluster.stop();
}
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) at the end`);
