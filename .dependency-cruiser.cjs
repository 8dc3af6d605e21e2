/**
 * The layers of src/ (docs: ../shared/STYLE.md "Layers"), lowest first:
 *   db/, lib/                 ground floor: import nothing above them
 *   config/                   settings; may read db/ (URL parsing) and lib/
 *   auth/                     keys, principal, access policy; no module, transport or GraphQL
 *   rate-limit/               limiters and counters; no module, transport or GraphQL kernel
 *   graphql/                  the GraphQL kernel: builder, requirements, errors mapping; no feature module
 *   modules/<feature>/        services (no GraphQL at all) and their *.graphql.ts edge
 *   pipeline/                 the request pipeline (Yoga plugins)
 *   schema.ts, app.ts, runtime.ts, server.ts, cli.ts   assembly and entry points
 *   cli/                      the CLI's commands, which cli.ts runs on the process's arguments and streams
 *   lifecycle/                the process around them: draining HTTP, process faults
 * A rule you want to break is a design question, not an exception to add here.
 */
const above = (...layers) => `^src/(${layers.join('|')})`;
const TOP = ['app\\.ts', 'schema\\.ts', 'runtime\\.ts', 'server\\.ts', 'cli\\.ts', 'cli/', 'lifecycle/'];
const GRAPHQL_PACKAGES = '^(graphql|graphql-yoga|@pothos/.+|@graphql-yoga/.+|@envelop/.+)$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import circles hide which layer owns what.', from: {}, to: { circular: true } },
    {
      name: 'ground-floor',
      severity: 'error',
      comment: 'db/ and lib/ are the ground floor: they import nothing above them.',
      from: { path: '^src/(db|lib)/' },
      to: { path: '^src/', pathNot: '^src/(db|lib)/' },
    },
    {
      name: 'config-below-features',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: above('auth', 'rate-limit', 'graphql', 'modules', 'pipeline', ...TOP) },
    },
    {
      name: 'auth-is-transport-free',
      severity: 'error',
      comment: 'auth/ imports no module, no transport and no GraphQL code.',
      from: { path: '^src/auth/' },
      to: { path: above('rate-limit', 'graphql', 'modules', 'pipeline', 'config', ...TOP) },
    },
    {
      name: 'auth-imports-no-graphql-package',
      severity: 'error',
      from: { path: '^src/auth/' },
      to: { dependencyTypes: ['npm'], path: GRAPHQL_PACKAGES },
    },
    {
      name: 'rate-limit-below-graphql',
      severity: 'error',
      from: { path: '^src/rate-limit/' },
      to: { path: above('graphql', 'modules', 'pipeline', ...TOP) },
    },
    {
      name: 'graphql-kernel-imports-no-feature',
      severity: 'error',
      comment: 'The GraphQL kernel (builder, requirements, error mapping) imports no feature module; the schema is assembled at the top.',
      from: { path: '^src/graphql/' },
      to: { path: above('modules', 'pipeline', ...TOP) },
    },
    {
      name: 'services-are-graphql-free',
      severity: 'error',
      comment: 'Domain code throws domain errors and knows nothing of GraphQL; only *.graphql.ts files are the edge.',
      from: { path: '^src/modules/', pathNot: '\\.graphql\\.ts$' },
      to: { path: '^src/graphql/' },
    },
    {
      name: 'services-import-no-graphql-package',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: '\\.graphql\\.ts$' },
      to: { dependencyTypes: ['npm'], path: GRAPHQL_PACKAGES },
    },
    {
      name: 'modules-below-pipeline',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: above('pipeline', ...TOP) },
    },
    {
      name: 'loaded-on-demand',
      severity: 'error',
      comment:
        "What only some deployments use is imported dynamically, where it is used: OpenTelemetry's SDK and exporter and envelop's plugin when something is traced (pipeline/observability/tracing.ts), ioredis with REDIS_URL (app.ts). Together ≈ 5 % of a server's start-up CPU.",
      from: { pathNot: '^src/(pipeline/observability/(tracing[.]plugin|tracer-provider)|lib/redis)[.]ts$' },
      to: {
        path: [
          '^src/(pipeline/observability/(tracing[.]plugin|tracer-provider)|lib/redis)[.]ts$',
          '@opentelemetry/(sdk-|exporter-|resources|core|otlp-)',
          '@envelop/opentelemetry',
          'node_modules/ioredis/',
        ],
        dependencyTypesNot: ['dynamic-import', 'type-only'],
      },
    },
    {
      name: 'pipeline-below-assembly',
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: above(...TOP) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
