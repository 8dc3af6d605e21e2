import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { assertOriginPermitted } from './auth/origin-policy.js';
import { clientAddress } from './auth/client-address.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import type { RequestContext } from './graphql/context.js';
import { isDatabaseUnavailable, maskError, useErrorTypes } from './graphql/error-shaping.js';
import { requestError } from './graphql/errors.js';
import { buildSchema } from './graphql/index.js';
import { createBrowserAccess, type BrowserAccess } from './http/browser-access.js';
import { renderLocalGraphiQL } from './http/graphiql-assets.js';
import { GRAPHIQL_DEFAULT_DOCUMENT } from './http/graphiql.js';
import { useHealthRoutes } from './http/health.plugin.js';
import type { Logger } from './lib/logger.js';
import { LastUsedTracker } from './modules/api-keys/last-used.js';
import { useRequestAudit } from './modules/audit/request-audit.plugin.js';
import { RequestAuditLog } from './modules/audit/request-audit-log.js';
import { createRequestLimiting, type RequestLimiting } from './rate-limit/index.js';
import { resolveEncryptionKey } from './lib/encryption-key.js';
import { systemResolver, type HostResolver } from './lib/outbound-url.js';
import { SecretBox } from './lib/secret-box.js';
import { CalendarSync } from './modules/calendars/calendar-sync.js';
import { WebhookWorker } from './modules/webhooks/webhook-worker.js';

export type AppDependencies = {
  database: DatabaseHandle;
  logger: Logger;
  /** Injected so tests can move time (expiry, grace periods) without waiting. */
  now?: () => Date;
  /** DNS for the outbound URL guard (webhooks, calendar feeds); tests stage answers. */
  resolveHost?: HostResolver;
};

export type App = {
  yoga: YogaServerInstance<Record<string, unknown>, RequestContext>;
  auditLog: RequestAuditLog;
  lastUsed: LastUsedTracker;
  browser: BrowserAccess;
  /** Key cache, request limits and the Redis connection (if configured). */
  limiting: RequestLimiting;
  /** Delivers queued webhook events; tests call `deliverDueWebhooks()` directly. */
  webhooks: WebhookWorker;
  /** Fetches calendar feeds into busy snapshots; tests call `refreshStale()` directly. */
  calendars: CalendarSync;
  /** Writes buffered audit records and last-used times; the database stays open. */
  flush(): Promise<void>;
  /** Stops timers and flushes; call after the HTTP server stopped accepting. */
  stop(): Promise<void>;
};

type ServerContext = { req?: { socket?: { remoteAddress?: string } } };

export function createApp(config: Config, deps: AppDependencies): App {
  const { database, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const auditLog = new RequestAuditLog(
    database.db,
    { flushIntervalMs: config.auditFlushIntervalMs, maxBuffered: config.auditMaxBuffered },
    logger,
  );
  const lastUsed = new LastUsedTracker(database.db, config.lastUsedWriteIntervalMs, logger);
  const browser = createBrowserAccess(database.db, logger, now);
  const limiting = createRequestLimiting(config, { database, logger, now });
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

  async function buildContext({ request, ...serverContext }: { request: Request } & ServerContext): Promise<RequestContext> {
    const at = now();
    const ip = clientAddress(request, serverContext, config.trustProxy);
    const { principal } = await limiting.admitted(request, serverContext);
    assertOriginPermitted(principal, request, config.trustProxy);
    const claimedOrganization = request.headers.get('x-organization-id');
    if (claimedOrganization && claimedOrganization !== principal.organizationId) {
      throw requestError('FORBIDDEN', 'X-Organization-Id does not match the organization of this API key.');
    }
    lastUsed.touch(principal.keyId, ip, at);
    const context: RequestContext = {
      db: database.db,
      principal,
      client: { ip, userAgent: request.headers.get('user-agent') },
      logger,
      now,
      outbound: { secrets, resolver, calendarSync: calendars },
      limits: limiting.guard,
    };
    return context;
  }

  const yoga = createYoga<Record<string, unknown>, RequestContext>({
    schema: buildSchema(),
    context: buildContext as never,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/.internal/yoga-health',
    landingPage: false,
    logging: logger,
    maskedErrors: { maskError: maskError(logger) },
    cors: false, // answered per origin by browser.plugins
    renderGraphiQL: renderLocalGraphiQL,
    graphiql: {
      title: 'Tessera GraphiQL',
      defaultQuery: GRAPHIQL_DEFAULT_DOCUMENT,
      headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
      shouldPersistHeaders: false,
    },
    plugins: [
      ...browser.plugins,
      useHealthRoutes(database.ping, undefined, limiting.status),
      ...limiting.plugins,
      useRequestAudit(
        auditLog,
        async (request, serverContext) => ({
          principal: (await limiting.admitted(request, serverContext as ServerContext)).principal,
          ip: clientAddress(request, serverContext as ServerContext, config.trustProxy),
          userAgent: request.headers.get('user-agent'),
        }),
        now,
      ),
      useErrorTypes(),
    ],
  });

  auditLog.start();
  lastUsed.start();
  browser.start();
  webhooks.start();
  calendars.start();

  const flush = async () => {
    await Promise.all([auditLog.flush(), lastUsed.flush()]);
  };
  return {
    yoga,
    auditLog,
    lastUsed,
    browser,
    limiting,
    webhooks,
    calendars,
    flush,
    stop: async () => {
      browser.stop();
      await Promise.all([auditLog.stop(), lastUsed.stop(), webhooks.stop(), calendars.stop(), limiting.stop()]);
    },
  };
}
