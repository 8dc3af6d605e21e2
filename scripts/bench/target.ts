/**
 * One benchmark target, run as a child of bench.ts: an HTTP server on a free
 * loopback port over a database of its own (in-memory PGlite, or with
 * BENCH_ADMIN_URL a new database in that PostgreSQL) with one organization
 * and 20 event types. BENCH_MODE picks what answers:
 *   hand   - what a user would write by hand: Yoga, an SDL schema for the one query, the driver
 *            (postgres.js or PGlite) running the same SQL statement, no authentication
 *   bare   - Yoga with the same schema and resolvers, a fixed principal, no authentication or limits
 *   memory - the full app (createApp) with in-memory stores
 *   redis  - the full app with REDIS_URL
 * It reports its port and key over IPC, and on request how many database
 * statements it has run so far, in all and on the authentication path.
 * BENCH_FLOOD_HOSTS (starvation.ts) adds a second organization, the flooder
 * (test/helpers/flooder.ts), whose key and event type are reported too.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { createApp } from '../../src/app.js';
import { HttpDrain } from '../../src/lifecycle/http-drain.js';
import { tenantOf, type Principal } from '../../src/auth/principal.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import type { RequestContext } from '../../src/graphql/context.js';
import { buildSchema } from '../../src/schema.js';
import { ALL_SCOPES } from '../../src/auth/access/scopes.js';
import { NO_KEY_POLICY } from '../../src/auth/access/key-policy.js';
import { createLogger } from '../../src/lib/logger.js';
import { createEventType } from '../../src/modules/event-types/event-types.service.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { RequestGuard } from '../../src/rate-limit/request-limits.js';
import { KeyUsageLedger } from '../../src/modules/api-keys/usage-ledger.js';
import { useCompiledExecution } from '../../src/pipeline/compiled-execution.plugin.js';
import { seedFlooder } from '../../test/helpers/flooder.js';
import { QueryCounter } from '../../test/helpers/query-counter.js';
import { benchDatabaseUrl, handWritten } from './hand-written.js';

const mode = process.env.BENCH_MODE as 'hand' | 'bare' | 'memory' | 'redis';
const BENCH_QUERY = '{ eventTypes(first: 20) { nodes { id title } } }';
// BENCH_LOG_LEVEL=info: the access log written (to wherever the target's stdout goes), as a server deployed with defaults does.
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'silent';
const logger = createLogger(logLevel);
const databaseUrl = await benchDatabaseUrl();
const database = await openDatabase(databaseUrl);
await migrateDatabase(database);

// Every statement Drizzle runs, whoever runs it; and those of the authentication path:
// key lookups and last-used writes (api_keys, members) and request audit inserts.
let queries = 0;
let authPathQueries = 0;
const AUTH_PATH = /"api_keys"|"members"|insert into "audit_events"/i;
const counter = QueryCounter.attach(database.db);
counter.logQuery = (statement: string) => {
  queries++;
  if (AUTH_PATH.test(statement)) authPathQueries++;
};

const now = new Date();
const org = await bootstrapOrganization(database.db, { organizationName: 'Bench', adminEmail: 'bench@example.com', environment: 'TEST' }, now, 'bench');
const tenant = { organizationId: org.organization.id, environment: 'TEST' as const };
for (let i = 0; i < 20; i++) {
  await createEventType(database.db, tenant, { title: `Event type ${i + 1}`, slug: `event-type-${i + 1}`, durationMinutes: 30 }, now);
}

const floodHosts = Number(process.env.BENCH_FLOOD_HOSTS ?? 0);
const flood = floodHosts > 0 ? await seedFlooder(database.db, now, floodHosts) : undefined;

const config = loadConfig({
  DATABASE_URL: databaseUrl,
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  RETENTION_INTERVAL_MS: '0',
  LOG_LEVEL: logLevel,
  // High enough that the load never hits them: the benchmark measures their cost, not their refusals.
  RATE_LIMIT_TEST_PER_MINUTE: '10000000',
  ...(mode === 'redis' ? { REDIS_URL: process.env.REDIS_URL } : {}),
  // BENCH_COMPILED_EXECUTION=false: (a), (b) and (c) on graphql-js's executor, to measure what compiling buys.
  GRAPHQL_COMPILED_EXECUTION: process.env.BENCH_COMPILED_EXECUTION ?? 'true',
  // The starvation scenario's flood comes from many addresses, as X-Forwarded-For says.
  ...(process.env.TRUST_PROXY ? { TRUST_PROXY: process.env.TRUST_PROXY } : {}),
});

// Every target is a Yoga instance: a node:http handler, and `fetch` for requests without a socket.
let handler: RequestListener & { fetch(url: string, init: RequestInit): Response | Promise<Response> };
let counters = () => ({ keyLookups: 0, lastUsedWrites: 0, auditRecords: 0 });
// What node:http calls: the handler itself, or for the full app what `npm start` serves (server.ts: the drain and the HTTP guard before Yoga).
let listener: (server: Server) => RequestListener = () => handler;
if (mode === 'hand') {
  handler = handWritten(database, tenant, () => queries++);
} else if (mode === 'bare') {
  const principal: Principal = {
    kind: 'api-key',
    id: org.apiKey.id,
    organizationId: org.organization.id,
    role: 'ADMIN',
    scopes: new Set(ALL_SCOPES),
    keyPolicy: NO_KEY_POLICY,
    key: { type: 'SECRET', environment: 'TEST', owner: { kind: 'member', memberId: org.member.id }, recipientMemberId: org.member.id, allowedOrigins: [], allowedIps: null, endsAt: null },
  };
  const limits = new RequestGuard({ ...config.limits, fieldLimits: false }, null, logger, new KeyUsageLedger(database.db));
  // Only what the eventTypes resolvers read; the full app builds the rest.
  const context = { db: database.db, principal, tenant: tenantOf(principal), client: { ip: null, userAgent: null }, logger, now: () => new Date(), limits };
  // The same executor as the full app, so (b)/(a) is the cost of everything else.
  const plugins = config.compiledExecution ? [useCompiledExecution()] : [];
  // Yoga's own body-size check off as in the full app (whose pipeline limits bodies itself): (b)/(a) is the rest.
  handler = createYoga({ schema: buildSchema(), plugins, context: () => context as unknown as RequestContext, logging: false, landingPage: false, maxRequestBodySize: false });
} else {
  const app = await createApp(config, { database, logger });
  if (app.redis && !(await app.redis.waitUntilReady(5000))) throw new Error('Redis not reachable');
  handler = app.yoga;
  if (process.env.BENCH_YOGA_ONLY !== 'true') listener = (server) => new HttpDrain(server).listener(app.listener) as RequestListener;
  counters = () => ({ keyLookups: app.keyCache.lookups, lastUsedWrites: app.lastUsed.writes, auditRecords: app.auditLog.written });
}

const server = createServer();
server.on('request', listener(server));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0, key: org.secret, flood });
});
process.on('message', (message: 'stats' | { inProcess: number }) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send!({ queries, authPathQueries, cpuMicros: cpu.user + cpu.system, ...counters() });
  } else if (typeof message === 'object' && message.inProcess > 0) {
    void inProcess(message.inProcess).then((cpuPerRequest) => process.send!({ cpuPerRequest }));
  }
});

/**
 * cpu-per-request.ts: `count` requests through the handler itself (no socket, no HTTP parsing, no
 * load generator sharing the cores), 10 at a time; answers this process's CPU µs per request.
 */
async function inProcess(count: number): Promise<number> {
  const body = JSON.stringify({ query: BENCH_QUERY });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${org.secret}` };
  let left = count;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (left-- > 0) {
        // Over HTTP the server adapter gives every request a signal (the client going away), whatever the target;
        // without one, the Request makes it only when read, which the full app's deadline does and (a) does not.
        const signal = new AbortController().signal;
        const response = await handler.fetch('http://bench.test/graphql', { method: 'POST', headers, body, signal });
        await response.text();
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
      }
    }),
  );
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / count;
}
// Lets a profiler (node --cpu-prof) write its file: it does so on a normal exit.
process.on('SIGINT', () => process.exit(0));
