import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';
import { testTier } from '../helpers/test-database.js';

/** `npm test`'s postgres tier on a machine without PostgreSQL server binaries (simulated). */
function postgresTierWithoutBinaries(env: Record<string, string>) {
  // vitest's own entry, not npx (a launcher process less).
  return spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'postgres', 'test/integration/smoke.test.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TESSERA_PG_BIN_DIR: '/nonexistent', ...env },
    encoding: 'utf8',
  });
}

// Runs vitest itself, so once (in the pglite project) is enough.
describe.skipIf(testTier() !== 'pglite')('database tiers of npm test', () => {
  it('says plainly that it skipped the postgres tier when no server binaries are found', () => {
    const result = postgresTierWithoutBinaries({ CI: 'false' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[postgres tier] SKIPPED');
    expect(result.stdout).toMatch(/tests: 0 passed, 0 failed, 1 skipped\s*$/);
  }, 120_000);

  it('fails the run under CI=true instead of skipping', () => {
    const result = postgresTierWithoutBinaries({ CI: 'true' });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('cannot run under CI');
    expect(result.stdout).toMatch(/tests: 0 passed, 1 failed, 0 skipped\s*$/);
  }, 120_000);
});
