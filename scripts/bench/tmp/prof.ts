// Throwaway: CPU per request in-process, variants alternating, one PostgreSQL; PROF=1 writes cpu profiles to /tmp/prof2.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { findServerBinDir, startCluster } from '../../../test/helpers/postgres-cluster.js';
const variants = (process.env.VARIANTS ?? 'memory').split(';');
const cluster = await startCluster(findServerBinDir()!);
const adminUrl = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`;
const targets = [];
for (const v of variants) {
  const [spec, ablate, compiled] = v.split(':');
  const [mode, dir] = spec!.split('@');
  const child = fork(dir ? `${dir}/scripts/bench/target.ts` : fileURLToPath(new URL('../target.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2'] : [])], env: { ...process.env, BENCH_MODE: mode, ABLATE: ablate ?? '', BENCH_COMPILED_EXECUTION: compiled === 'js' ? 'false' : 'true', BENCH_ADMIN_URL: adminUrl }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  targets.push({ v, child });
}
const run = async (t: any, n: number) => { t.child.send({ inProcess: n }); const [r] = (await once(t.child, 'message')) as any; return r.cpuPerRequest; };
for (const t of targets) await run(t, 3000);
const results: Record<string, number[]> = {};
for (let i = 0; i < Number(process.env.ROUNDS ?? 5); i++) for (const t of targets) (results[t.v] ??= []).push(Math.round(await run(t, Number(process.env.N ?? 2000))));
for (const [v, xs] of Object.entries(results)) { const s = [...xs].sort((a, b) => a - b); console.log(v.padEnd(50), xs.join(' ').padEnd(30), 'median', s[Math.floor(s.length / 2)], 'min', s[0]); }
await Promise.all(targets.map((t) => (t.child.kill('SIGINT'), once(t.child, 'exit'))));
cluster.stop();
