import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';

/** True when the globalSetup found no Chromium (outside CI); suites skip. */
export const browserTierSkipped: boolean = !inject('chromiumPath');

/**
 * Debian's Chromium, headless, with everything that would reach the network on
 * its own switched off. Playwright gives each launch a fresh temporary
 * --user-data-dir, and each scenario a fresh context (no shared storage).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath')!,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Screenshots land in test-output/browser/ (ignored by git), one per step. */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'browser');

export function screenshots(scenario: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  let step = 0;
  return (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOT_DIR, `${scenario}-${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
}
