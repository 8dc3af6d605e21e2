/**
 * The process-level handler, in a process of its own (the handler changes
 * what the whole process does): an exception thrown outside any request —
 * here from a setImmediate, as the postgres.js null-socket bug did — is
 * logged and leads to a drain and exit 1; an unhandled rejection is logged
 * and the process carries on.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';

const script = (fault: string) => `
import { createLogger } from './src/lib/logger.js';
import { handleProcessFaults } from './src/lifecycle/process-faults.js';
const faults = handleProcessFaults(createLogger('info'), {
  drainAndExit(reason, code) { console.log(JSON.stringify({ drained: reason, code })); process.exit(code); },
});
${fault}
setTimeout(() => { console.log(JSON.stringify({ stillServing: true, rejections: faults.unhandledRejections() })); process.exit(0); }, 200);
`;

function run(fault: string) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(fault)], { cwd: ROOT, encoding: 'utf8' });
  const lines = child.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code: child.status, lines };
}

describe('process-level fault handling', () => {
  it('drains and exits 1 on an exception thrown outside any request, after logging it', () => {
    const { code, lines } = run("setImmediate(() => { null.write('x'); });");
    expect(code).toBe(1);
    expect(lines.find((line) => line.msg === 'uncaught exception: draining, then exiting 1')).toMatchObject({ level: 60 });
    // The logger and console.log are two writers to one pipe: which line lands first differs between Node 20 and 22.
    expect(lines).toContainEqual({ drained: 'faulted', code: 1 });
  });

  it('logs an unhandled rejection and keeps serving', () => {
    const { code, lines } = run("Promise.reject(new Error('nobody listened'));");
    expect(code).toBe(0);
    expect(lines.find((line) => line.msg === 'unhandled promise rejection')).toMatchObject({ level: 50, unhandledRejections: 1 });
    expect(lines.at(-1)).toEqual({ stillServing: true, rejections: 1 });
  });
});
