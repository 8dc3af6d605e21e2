import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TracerProvider } from '@opentelemetry/api';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { KeyCache } from './auth/key-cache.js';
import { createKeyVerification } from './auth/key-verification.js';
import type { Config } from './config/config.js';
import { resolveEncryptionKey } from './config/encryption-key.js';
import { DatabaseAvailability } from './db/availability.js';
import type { DatabaseHandle } from './db/client.js';
import type { RequestContext } from './graphql/context.js';
import { maskError } from './graphql/error-mapping.js';
import type { Logger } from './lib/logger.js';
import type { BackgroundTask } from './lib/periodic-task.js';
import { systemResolver, type HostResolver } from './lib/outbound-url.js';
import { Readiness } from './lib/readiness.js';
import type { RedisConnection } from './lib/redis.js';
import { GitHubPublicKeyFile } from './lib/github-public-keys.js';
import { SecretBox } from './lib/secret-box.js';
import { LastUsedTracker } from './modules/api-keys/last-used.js';
import { BrowserOriginRegistry } from './modules/api-keys/origin-registry.js';
import { KeyUsageLedger } from './modules/api-keys/usage-ledger.js';
import { OverprivilegedKeyReview } from './modules/api-keys/overprivileged-keys.js';
import { RefusalLog } from './modules/audit/refusal-log.js';
import { RequestAuditLog } from './modules/audit/request-audit-log.js';
import { BookingExpiry } from './modules/bookings/booking-expiry.js';
import { CalendarSync } from './modules/calendars/calendar-sync.js';
import { RetentionJob } from './modules/retention/retention.js';
import { answerLeakAlert } from './modules/secret-scanning/secret-scanning.service.js';
import { createTrustedDocumentRegistry, type TrustedDocumentRegistry } from './modules/trusted-documents/trusted-document-registry.js';
import { deliveryBacklog } from './modules/webhooks/delivery-backlog.js';
import { WebhookWorker } from './modules/webhooks/webhook-worker.js';
import { renderLocalGraphiQL } from './pipeline/graphiql-assets.js';
import { GRAPHIQL_DEFAULT_DOCUMENT } from './pipeline/graphiql.js';
import { guardHttp } from './pipeline/http-guard.js';
import { ServiceMetrics } from './pipeline/observability/metrics.js';
import { loadTracing } from './pipeline/observability/tracing.js';
import { OperationAudit } from './pipeline/operation-audit.js';
import { requestPipeline } from './pipeline/request-pipeline.js';
import { RequestGuard } from './rate-limit/request-limits.js';
import { buildSchema } from './schema.js';

export type AppDependencies = {
  database: DatabaseHandle;
  logger: Logger;
  /** Injected so tests can move time (expiry, grace periods) without waiting. */
  now?: () => Date;
  /** DNS for the outbound URL guard (webhooks, calendar feeds); tests stage answers. */
  resolveHost?: HostResolver;
  /** Traces to this provider instead of OTEL_EXPORTER_OTLP_ENDPOINT's; tests pass an in-memory exporter's. */
  tracerProvider?: TracerProvider;
};

export type App = {
  yoga: YogaServerInstance<Record<string, unknown>, RequestContext>;
  /** What a node:http server serves: the HTTP guard (Host, request target), then Yoga. */
  listener: (request: IncomingMessage, response: ServerResponse) => unknown;
  auditLog: RequestAuditLog;
  lastUsed: LastUsedTracker;
  /** Origins some public key allows, for CORS; tests refresh it after changing keys directly. */
  origins: BrowserOriginRegistry;
  /** Cached key verifications, kept current by key-change notices. */
  keyCache: KeyCache;
  /** Settles once those notices are heard (until then a revocation elsewhere may go unheard). */
  keyChangesHeard: Promise<void>;
  /** Request, concurrency, auth-failure and field limits. */
  guard: RequestGuard;
  /** Each world's trusted documents in memory, kept current by registration notices. */
  trustedDocuments: TrustedDocumentRegistry;
  /** The shared store for limits, when REDIS_URL is set. */
  redis: RedisConnection | null;
  /** Delivers queued webhook events; tests call `deliverDueWebhooks()` directly. */
  webhooks: WebhookWorker;
  /** Fetches calendar feeds into busy snapshots; tests call `refreshStale()` directly. */
  calendars: CalendarSync;
  /** Marks lapsed PENDING holds EXPIRED; tests call `expireLapsedHolds()` directly. */
  bookingExpiry: BookingExpiry;
  /** Keeps stored data bounded (audit partitions, old webhook rows, idempotency keys, booking history); tests call `runOnce()` directly. */
  retention: RetentionJob;
  /** Reports keys using under half their scopes (api_key.overprivileged); tests call `runOnce()` directly. */
  keyScopeReview: OverprivilegedKeyReview;
  /** Whether this instance wants traffic; shutdown withdraws it first, so `/ready` turns 503. */
  readiness: Readiness;
  /** Whether the database is known to be down (requests answered 503 until it is back). */
  availability: DatabaseAvailability;
  /** Writes buffered audit records, last-used times and usage counts; the database stays open. */
  flush(): Promise<void>;
  /** Stops timers and flushes; call after the HTTP server stopped accepting. */
  stop(): Promise<void>;
};

/** Wiring only: what the request pipeline and the resolvers need, built once per process. */
export async function createApp(config: Config, deps: AppDependencies): Promise<App> {
  const { database, logger } = deps;
  const { otlpEndpoint, metricsToken, traceResolvers } = config.observability;
  // First, before anything starts a timer or a connection, the only step that waits: the modules only some
  // deployments use, loaded only there (OpenTelemetry's when something is traced, ioredis with REDIS_URL).
  const [tracing, redisClient] = await Promise.all([
    loadTracing({ provider: deps.tracerProvider, otlpEndpoint, resolvers: traceResolvers }),
    config.redisUrl ? import('./lib/redis.js') : null,
  ]);
  const now = deps.now ?? (() => new Date());
  const auditLog = new RequestAuditLog(
    database.db,
    { flushIntervalMs: config.auditFlushIntervalMs, maxBuffered: config.auditMaxBuffered },
    logger,
  );
  const lastUsed = new LastUsedTracker(database.db, config.lastUsedWriteIntervalMs, logger);
  const origins = new BrowserOriginRegistry(database.db, logger, now);
  const redis = redisClient && config.redisUrl ? new redisClient.RedisConnection(config.redisUrl, config.limits.redisTimeoutMs, logger) : null;
  const keys = createKeyVerification(database, config.limits.keyCacheTtlMs, logger);
  const documents = createTrustedDocumentRegistry(database, logger);
  const guard = new RequestGuard(config.limits, redis, logger, new KeyUsageLedger(database.db));
  const secrets = new SecretBox(resolveEncryptionKey(config));
  const resolver = deps.resolveHost ?? systemResolver;
  const webhooks = new WebhookWorker(
    database.db,
    { pollIntervalMs: config.webhookPollIntervalMs, timeoutMs: config.webhookTimeoutMs },
    { secrets, resolver, now, logger },
  );
  const calendars = new CalendarSync(
    database.db,
    { timeoutMs: config.calendarFetchTimeoutMs, refreshIntervalMs: config.calendarRefreshIntervalMs },
    { secrets, resolver, now, logger },
  );
  const readiness = new Readiness();
  const availability = new DatabaseAvailability(database.probe, logger);
  const bookingExpiry = new BookingExpiry(database.db, { intervalMs: config.bookingExpiryIntervalMs }, { now, logger });
  const retention = new RetentionJob(database, config.retention, { now, logger });
  const keyScopeReview = new OverprivilegedKeyReview(database.db, { intervalMs: config.keyScopeReviewIntervalMs }, { now, logger });
  const metrics = new ServiceMetrics({
    auditLog,
    keyCache: keys.cache,
    databaseDown: () => availability.isDown,
    webhookBacklog: () => deliveryBacklog(database.db, now()),
    now,
  });

  // The caller (principal, tenant, client), the request's id, deadline and budget are already on the context: the pipeline put them there.
  const services: Omit<RequestContext, 'principal' | 'tenant' | 'client' | 'requestId' | 'deadline' | 'hostDays'> = {
    db: database.db,
    logger,
    now,
    outbound: { secrets, resolver, calendarSync: calendars },
    webhooks: { maxEndpoints: config.webhookMaxEndpoints },
    limits: guard,
    auditRetentionDays: config.retention.auditDays,
    trustedDocuments: documents.registry,
  };

  const yoga = createYoga<Record<string, unknown>, RequestContext>({
    schema: buildSchema(),
    context: () => services as RequestContext,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/.internal/yoga-health',
    landingPage: false,
    logging: logger,
    maskedErrors: { maskError: maskError(logger, (error) => availability.report(error)) },
    cors: false, // answered per origin by the pipeline's CORS stage
    // The pipeline's body limit (MAX_BODY_BYTES, body-limit.plugin.ts) refuses large bodies before anything reads
    // them; Yoga's own 25 MB check would pipe every body through a counting stream, a third of a request's CPU.
    maxRequestBodySize: false,
    renderGraphiQL: renderLocalGraphiQL,
    graphiql: {
      title: 'Tessera GraphiQL',
      defaultQuery: GRAPHIQL_DEFAULT_DOCUMENT,
      headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
      shouldPersistHeaders: false,
    },
    plugins: requestPipeline({
      operations: {
        proxies: { trustProxy: config.trustProxy, trustedProxies: config.trustedProxies },
        keys: keys.cache,
        guard,
        now,
        execution: { timeoutMs: config.limits.requestTimeoutMs, hostDays: config.limits.availabilityHostDays },
        audit: new OperationAudit(auditLog, new RefusalLog(database.db, logger, now), now),
        lastUsed,
        onAuthFailure: (reason) => metrics.authFailures.labels(reason).inc(),
      },
      origins,
      documents: documents.registry,
      maxBodyBytes: config.limits.maxBodyBytes,
      queryLimits: config.limits.query,
      compiledExecution: config.compiledExecution,
      availability,
      health: { probe: availability.probeAndNote, readiness, sharedStore: () => redis?.status() ?? { redis: 'not configured' } },
      secretScanning: config.secretScanning.publicKeysFile
        ? {
            publicKeys: GitHubPublicKeyFile.open(config.secretScanning.publicKeysFile, logger),
            answer: (alerts) => answerLeakAlert(database.db, alerts, config.secretScanning.action, now()),
            logger,
          }
        : null,
      observability: {
        logger,
        metrics,
        metricsToken,
        tracing: tracing?.plugin ?? null,
      },
    }),
  });

  // Everything that works on a timer: started here, stopped (each awaiting its run in flight) on stop().
  const background: BackgroundTask[] = [auditLog, lastUsed, guard.usage, origins, webhooks, calendars, bookingExpiry, retention, keyScopeReview];
  for (const task of background) task.start();

  const flush = async () => {
    await Promise.all([auditLog.flush(), lastUsed.flush(), guard.usage.write()]);
  };
  return {
    yoga,
    listener: guardHttp(yoga, logger, { trustProxy: config.trustProxy, trustedProxies: config.trustedProxies }),
    auditLog,
    lastUsed,
    origins,
    keyCache: keys.cache,
    keyChangesHeard: keys.listening,
    guard,
    trustedDocuments: documents.registry,
    redis,
    webhooks,
    calendars,
    bookingExpiry,
    retention,
    keyScopeReview,
    readiness,
    availability,
    flush,
    stop: async () => {
      // Each part stops on its own: one that fails (its database or Redis already gone) is logged,
      // and the others still stop and flush.
      const parts = [...background.map((task) => task.stop()), keys.stop(), documents.stop(), availability.stop()];
      for (const outcome of await Promise.allSettled(parts)) {
        if (outcome.status === 'rejected') logger.error({ err: outcome.reason }, 'a part failed to stop cleanly');
      }
      await guard.flush();
      await redis?.close();
      // Ours to shut down (and flush) only when made here.
      await tracing?.ownProvider?.shutdown();
    },
  };
}
