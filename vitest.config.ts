import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/helpers/sequencer.js';
import SummaryReporter from './test/helpers/summary-reporter.js';

// The security tests are integration tests too: each file is the attacks one area refuses.
const integrationTests = ['test/integration/**/*.test.ts', 'test/security/**/*.test.ts'];
// Through PgBouncer (transaction mode): every suite whose correctness rests on transactions, row and
// advisory locks, LISTEN/NOTIFY or session state — where a pooler changes what PostgreSQL sees.
const pgbouncerTests = ['test/integration/*booking*.test.ts', 'test/integration/*key*.test.ts', 'test/integration/webhook*.test.ts', 'test/integration/retention.test.ts', 'test/integration/audit*.test.ts', 'test/integration/migrations.test.ts', 'test/integration/through-pgbouncer.test.ts', 'test/security/*key*.test.ts'];
// Each integration file gets its own database (a copy of one migrated per run).
const integrationTimeouts = { testTimeout: 30_000, hookTimeout: 30_000 };
// A migrated PGlite data directory, made once per run and loaded where a file opens PGlite in memory and finds
// no emptied database of the worker's previous file to reuse (test/helpers/reused-databases.ts).
const pgliteTemplate = 'test/helpers/pglite-template.ts';
// Files run one after another in a worker process that keeps its loaded modules (the app, PGlite's compiled
// WASM) instead of a fresh process each: about half the CPU of the integration tiers. Each file still gets its
// own app, which its harness closes, and a database of its own at a time (the previous file's, emptied). The
// chaos and browser tiers keep a process per file: their files spend their time on the processes they start,
// and sharing bought them nothing. TEST_WORKER_KEEPS_MODULES tells reused-databases.ts it may hand databases on.
const sharedWorkers = (env: Record<string, string> = {}) => ({ isolate: false, env: { ...env, TEST_WORKER_KEEPS_MODULES: 'true' } });

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Vite and Node would otherwise load both
    // and graphql-js refuses objects from "another realm". One copy everywhere.
    alias: { graphql: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) },
  },
  test: {
    pool: 'forks',
    // vitest's default leaves a core idle: on two cores, one file at a time. One more than the cores:
    // the chaos, process and browser files spend much of their time waiting (on child processes,
    // on a stopped PostgreSQL, on timers), and an idle worker is a wasted core.
    maxWorkers: availableParallelism() + 1,
    // Explicit because test/helpers/integration.ts relies on it: a suite's harness starts before the suite's
    // own beforeAll hooks and stops after its afterAll hooks.
    // The waiting tiers and the heaviest files first, the short files last (test/helpers/sequencer.ts).
    sequence: { hooks: 'stack', sequencer: HeavyFirstSequencer },
    reporters: ['default', new SummaryReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          ...sharedWorkers(),
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: integrationTests,
          ...sharedWorkers({ TEST_DATABASE: 'pglite' }),
          globalSetup: [pgliteTemplate],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: integrationTests,
          ...sharedWorkers({ TEST_DATABASE: 'postgres' }),
          globalSetup: ['test/helpers/postgres-cluster.ts'],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          // The suites that lean on transactions, locks and notifications, through PgBouncer in transaction mode.
          name: 'pgbouncer',
          include: pgbouncerTests,
          ...sharedWorkers({ TEST_DATABASE: 'postgres', TEST_POOLER: 'pgbouncer' }),
          globalSetup: ['test/helpers/postgres-cluster.ts', 'test/helpers/pgbouncer.ts'],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          // Apollo Client 3 and 4, urql, graphql-request and GraphQL Code Generator with their defaults, over real HTTP.
          name: 'clients',
          include: ['test/clients/**/*.test.ts'],
          ...sharedWorkers({ TEST_DATABASE: 'pglite' }),
          globalSetup: [pgliteTemplate],
          ...integrationTimeouts,
        },
      },
      {
        extends: true,
        test: {
          // Real redis-server (and PostgreSQL for the two-process test); skipped (loudly) without them.
          name: 'redis',
          include: ['test/redis/**/*.test.ts'],
          ...sharedWorkers({ TEST_DATABASE: 'pglite' }),
          globalSetup: [pgliteTemplate, 'test/helpers/postgres-cluster.ts', 'test/helpers/pgbouncer.ts', 'test/helpers/redis-server.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          // Faults on real processes: PostgreSQL stopped and crashed, Redis killed, servers signalled and killed.
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: [pgliteTemplate, 'test/chaos/chaos-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
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
