/**
 * globalSetup of the `browser` test project: finds Debian's Chromium and
 * provides its path as `chromiumPath` (null when absent, and the suites skip).
 *
 * Under CI=true a missing Chromium fails the run: a silently skipped tier
 * would hide a broken one. `.ci/run` installs the `chromium` package.
 * CHROMIUM_PATH=/elsewhere overrides the location; `CHROMIUM_PATH=/nonexistent`
 * simulates a machine without it.
 */
import { accessSync, constants } from 'node:fs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string | null;
  }
}

const LOG_PREFIX = '[browser tier]';
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export default function setup(project: TestProject): void {
  const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  if (!executable(path)) {
    const reason = `no Chromium at ${path} — install Debian's chromium (apt-get install chromium)`;
    if (process.env.CI === 'true') throw new Error(`${LOG_PREFIX} cannot run under CI: ${reason}`);
    console.log(`${LOG_PREFIX} SKIPPED: ${reason}`);
    project.provide('chromiumPath', null);
    return;
  }
  console.log(`${LOG_PREFIX} running in headless Chromium at ${path}`);
  project.provide('chromiumPath', path);
}
