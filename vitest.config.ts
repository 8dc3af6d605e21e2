import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/helpers/summary-reporter.js';

const integrationTests = ['test/integration/**/*.test.ts'];
// Each integration file gets its own database (a copy of one migrated per run).
const integrationTimeouts = { testTimeout: 30_000, hookTimeout: 30_000 };
// A migrated PGlite data directory, made once per run and loaded by each file that opens PGlite in memory.
const pgliteTemplate = 'test/helpers/pglite-template.ts';

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Vite and Node would otherwise load both
    // and graphql-js refuses objects from "another realm". One copy everywhere.
    alias: { graphql: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) },
  },
  test: {
    // A process per test file: each PGlite WASM heap and connection pool dies with its file.
    pool: 'forks',
    // Explicit because test/helpers/integration.ts relies on it: a suite's harness starts before the suite's
    // own beforeAll hooks and stops after its afterAll hooks.
    sequence: { hooks: 'stack' },
    reporters: ['default', new SummaryReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: integrationTests,
          env: { TEST_DATABASE: 'pglite' },
          globalSetup: [pgliteTemplate],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: integrationTests,
          env: { TEST_DATABASE: 'postgres' },
          globalSetup: ['test/helpers/postgres-cluster.ts'],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          // Real redis-server (and PostgreSQL for the two-process test); skipped (loudly) without them.
          name: 'redis',
          include: ['test/redis/**/*.test.ts'],
          env: { TEST_DATABASE: 'pglite' },
          globalSetup: [pgliteTemplate, 'test/helpers/postgres-cluster.ts', 'test/helpers/redis-server.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          // Real Chromium against real HTTP servers on 127.0.0.1; skipped (loudly) without Chromium.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: [pgliteTemplate, 'test/browser/chromium-setup.ts'],
          // Generous: Chromium shares two cores with the other tiers in CI.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
