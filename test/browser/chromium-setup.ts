/**
 * globalSetup of the `browser` test project: finds Debian's Chromium and
 * provides its path as `chromiumPath` (null when absent, and the suites skip).
 *
 * Chromium's headless shell first (Debian's `chromium-headless-shell`, what
 * Playwright itself runs headless): the same Blink and V8 as the browser,
 * without the browser's own interface. The full browser in headless mode
 * builds that interface for every context (a window each), with its omnibox
 * popup rendered in a process of its own: about twice the CPU per suite.
 * The full browser (`chromium`) when the shell is not installed.
 *
 * Under CI=true a missing Chromium fails the run: a silently skipped tier
 * would hide a broken one. `.ci/run` installs `chromium-headless-shell`.
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
const CHROMIUM_PATHS = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export default function setup(project: TestProject): void {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_PATHS;
  const path = candidates.find(executable);
  if (!path) {
    const reason = `no Chromium at ${candidates.join(' or ')} — install Debian's chromium-headless-shell (apt-get install chromium-headless-shell)`;
    if (process.env.CI === 'true') throw new Error(`${LOG_PREFIX} cannot run under CI: ${reason}`);
    console.log(`${LOG_PREFIX} SKIPPED: ${reason}`);
    project.provide('chromiumPath', null);
    return;
  }
  console.log(`${LOG_PREFIX} running in headless Chromium at ${path}`);
  project.provide('chromiumPath', path);
}
