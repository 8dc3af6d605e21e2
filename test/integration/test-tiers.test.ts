import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';
import { testTier } from '../helpers/test-database.js';

type Run = { status: number | null; stdout: string; stderr: string };

/** `npm test`'s postgres tier on a machine without PostgreSQL server binaries (simulated). */
function postgresTierWithoutBinaries(env: Record<string, string>): Promise<Run> {
  // vitest's own entry, not npx (a launcher process less).
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'postgres', 'test/integration/smoke.test.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TESSERA_PG_BIN_DIR: '/nonexistent', ...env },
  });
  const run: Run = { status: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ ...run, status }));
  });
}

// Runs vitest itself, so once (in the pglite project) is enough.
describe.skipIf(testTier() !== 'pglite')('database tiers of npm test', () => {
  // Both runs at once: each mostly waits on its own start-up.
  let outsideCi: Promise<Run>;
  let underCi: Promise<Run>;
  beforeAll(() => {
    outsideCi = postgresTierWithoutBinaries({ CI: 'false' });
    underCi = postgresTierWithoutBinaries({ CI: 'true' });
    // Each is awaited by its test; until then a failure to spawn is not an unhandled rejection.
    for (const run of [outsideCi, underCi]) run.catch(() => {});
  });

  it('says plainly that it skipped the postgres tier when no server binaries are found', async () => {
    const result = await outsideCi;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[postgres tier] SKIPPED');
    expect(result.stdout).toMatch(/tests: 0 passed, 0 failed, 1 skipped\s*$/);
  }, 120_000);

  it('fails the run under CI=true instead of skipping', async () => {
    const result = await underCi;
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('cannot run under CI');
    expect(result.stdout).toMatch(/tests: 0 passed, 1 failed, 0 skipped\s*$/);
  }, 120_000);
});
