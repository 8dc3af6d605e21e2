import type { Plugin } from 'graphql-yoga';
import type { VerifiedKey } from '../auth/authenticate.js';
import { KeyCache } from '../auth/key-cache.js';
import { KEY_CHANGES_CHANNEL, onLocalKeyChange, parseKeyChange } from '../auth/key-changes.js';
import { clientAddress } from '../auth/client-address.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { isDatabaseUnavailable } from '../graphql/error-shaping.js';
import { requestError } from '../graphql/errors.js';
import type { Logger } from '../lib/logger.js';
import { RedisConnection, type RedisStatus } from '../redis.js';
import { useBodyLimit } from './body-limit.plugin.js';
import { useQueryLimits } from './query-limits.plugin.js';
import { RequestGuard, useRequestGuard } from './request-limits.js';

type ServerContext = { req?: { socket?: { remoteAddress?: string } } };

export type RequestLimiting = {
  guard: RequestGuard;
  keyCache: KeyCache;
  redis: RedisConnection | null;
  /** Yoga plugins: body size, admission before parsing, query limits, then headers and slot release. */
  plugins: Plugin[];
  /**
   * Once per request, before the query is even parsed: the address is not
   * throttled, the key verifies (cached), and the key and its organization
   * are within their limits. Later calls return the same outcome.
   */
  admitted(request: Request, serverContext: ServerContext): Promise<VerifiedKey>;
  status(): RedisStatus;
  stop(): Promise<void>;
};

/**
 * Everything an app needs to limit requests and to run as one of many
 * instances: the key cache (kept current by key-change notices from this
 * process and, through PostgreSQL LISTEN/NOTIFY, from every other), the
 * Redis-backed counters with their memory fallback, and the Yoga plugins.
 */
export function createRequestLimiting(
  config: Config,
  deps: { database: DatabaseHandle; logger: Logger; now: () => Date },
): RequestLimiting {
  const { database, logger, now } = deps;
  const redis = config.redisUrl ? new RedisConnection(config.redisUrl, config.limits.redisTimeoutMs, logger) : null;
  const keyCache = new KeyCache(database.db, config.limits.keyCacheTtlMs);
  const guard = new RequestGuard(config.limits, redis, logger);

  const stopLocal = onLocalKeyChange((change) => keyCache.invalidate(change));
  const listening = database
    .listen(
      KEY_CHANGES_CHANNEL,
      (payload) => {
        const change = parseKeyChange(payload);
        if (change) keyCache.invalidate(change);
        else keyCache.clear();
      },
      () => {
        logger.warn('key-change listener reconnected; dropping cached key verifications');
        keyCache.clear();
      },
    )
    .catch((error: unknown) => {
      // Without notices the cache could serve a revoked key until its TTL: do not cache at all.
      logger.error({ err: error }, 'cannot LISTEN for key changes; key verifications will not be cached');
      keyCache.disable();
      return async () => {};
    });

  const admissions = new WeakMap<Request, Promise<VerifiedKey>>();
  const admittedRequests = new WeakSet<Request>();
  const admit = async (request: Request, serverContext: ServerContext): Promise<VerifiedKey> => {
    const ip = clientAddress(request, serverContext, config.trustProxy);
    const verified = await guard
      .authenticate(request, ip, (presented) => keyCache.verify(presented, now()))
      .catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) throw requestError('SERVICE_UNAVAILABLE', 'The database is unreachable; try again shortly.');
        throw error;
      });
    await guard.admit(request, verified);
    admittedRequests.add(request);
    return verified;
  };
  const admitted = (request: Request, serverContext: ServerContext) => {
    let admission = admissions.get(request);
    if (!admission) {
      admission = admit(request, serverContext);
      admissions.set(request, admission);
    }
    return admission;
  };

  const hasVerifiedKey = (request: Request) => admittedRequests.has(request);

  return {
    guard,
    keyCache,
    redis,
    plugins: [
      useBodyLimit(config.limits.maxBodyBytes),
      // Before parsing and validation, so no query is looked at for a client that may not send one.
      { onParams: ({ request, context }) => admitted(request, context as ServerContext).then(() => undefined) },
      useQueryLimits(config.limits.query, hasVerifiedKey),
      useRequestGuard(guard),
    ],
    admitted,
    status: () => redis?.status() ?? { redis: 'not configured' },
    async stop() {
      stopLocal();
      await (await listening)();
      await redis?.close();
    },
  };
}
