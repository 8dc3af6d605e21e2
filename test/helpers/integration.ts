/**
 * The fixture of integration suites. It runs a suite on the database tier
 * its vitest project selects (skipped where that tier has no server), names
 * the tier in the title, and hands the suite a TestHarness that starts before
 * the suite's own hooks and stops after them:
 *
 *   describeIntegration('webhook delivery', { env: { WEBHOOK_POLL_INTERVAL_MS: '0' } }, (harness) => {
 *     let org: TestOrganization;
 *     beforeAll(async () => { org = await harness.organization(); });
 *     it('signs every delivery', async () => { … harness.request(…) … });
 *   });
 *
 * The harness is usable in hooks and tests (it throws if touched while the
 * suite is collected). Suites that make their own databases or processes use
 * describeOnTier, which is the same without a harness.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { TestHarness, type HarnessOptions } from './harness.js';
import { findServerBinDir } from './postgres-cluster.js';
import { postgresTierSkipped, testTier } from './test-database.js';

export type { HarnessOptions } from './harness.js';

type SuiteBody = (harness: TestHarness) => void;

export function describeIntegration(title: string, body: SuiteBody): void;
export function describeIntegration(title: string, options: HarnessOptions, body: SuiteBody): void;
export function describeIntegration(title: string, optionsOrBody: HarnessOptions | SuiteBody, body?: SuiteBody): void {
  const [options, suite] = typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, body!];
  describeOnTier(title, () => {
    const harness = new TestHarness(options);
    // Registered first: with vitest's stacked hooks, the suite's beforeAll runs after the start and its afterAll before the stop.
    beforeAll(() => harness.open());
    afterAll(() => harness.stop());
    suite(harness);
  });
}

/**
 * describeIntegration for a suite whose subject does not depend on the database (the HTTP edge,
 * headers, the schema's declarations): on one tier only (onTheOneTier), not once per database.
 */
export function describeIntegrationOnOneTier(title: string, body: SuiteBody): void;
export function describeIntegrationOnOneTier(title: string, options: HarnessOptions, body: SuiteBody): void;
export function describeIntegrationOnOneTier(title: string, optionsOrBody: HarnessOptions | SuiteBody, body?: SuiteBody): void {
  describe.skipIf(!onTheOneTier())(title, () => {
    if (typeof optionsOrBody === 'function') describeIntegration(title, optionsOrBody);
    else describeIntegration(title, optionsOrBody, body!);
  });
}

/**
 * A suite of separate processes or CLI runs (servers, commands), on one tier only: PostgreSQL where
 * its server binaries are (a run connects in milliseconds; opening an
 * embedded PGlite costs each run up to a second of CPU), else PGlite. What is
 * particular to the embedded database (its lock, its creation) has suites of
 * its own on the PGlite tier.
 */
export function describeProcessesOnOneTier(title: string, body: () => void): void {
  describe.skipIf(postgresTierSkipped || !onTheOneTier())(`${title} (${testTier()})`, body);
}

/**
 * For a suite whose subject does not depend on the database (the same code runs on both): true on
 * one tier only, PostgreSQL where its server binaries are (a request there costs the test process
 * about a third of the CPU of the embedded database, which runs inside it), else PGlite. Not through
 * PgBouncer: that project is for the suites whose correctness rests on what a pooler changes.
 */
export function onTheOneTier(): boolean {
  if (process.env.TEST_POOLER === 'pgbouncer') return false;
  return testTier() === (findServerBinDir() ? 'postgres' : 'pglite');
}

/**
 * A suite on this project's database tier, titled with it; skipped where the tier has no server.
 * `concurrent`: its tests run at once (each must own what it touches).
 */
export function describeOnTier(title: string, body: () => void, options: { concurrent?: boolean } = {}): void {
  describe.skipIf(postgresTierSkipped)(`${title} (${testTier()})`, options, body);
}
