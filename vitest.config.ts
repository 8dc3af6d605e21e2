import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/helpers/summary-reporter.js';

const integrationTests = ['test/integration/**/*.test.ts'];
// Each integration file creates and migrates its own database.
const integrationTimeouts = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    // A process per test file: each PGlite WASM heap and connection pool dies with its file.
    pool: 'forks',
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
    ],
  },
});
