import type { Plugin } from 'graphql-yoga';
import type { VerifiedKey } from '../auth/authenticate.js';
import { KeyCache } from '../auth/key-cache.js';
import { KEY_CHANGES_CHANNEL, onLocalKeyChange, parseKeyChange } from '../auth/key-changes.js';
import { presentedApiKey } from '../auth/headers.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { RedisConnection, type RedisStatus } from '../redis.js';
import { useBodyLimit } from './body-limit.plugin.js';
import { useQueryLimits } from './query-limits.plugin.js';
import { RequestGuard, useRequestGuard } from './request-limits.js';

export type RequestLimiting = {
  guard: RequestGuard;
  keyCache: KeyCache;
  redis: RedisConnection | null;
  /** Yoga plugins: body size first, then query limits, then headers and slot release. */
  plugins: Plugin[];
  /** Throttle check, cached verification, failure counting. */
  authenticate(request: Request, ip: string | null, at: Date): Promise<VerifiedKey>;
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

  const hasVerifiedKey = (request: Request) => {
    try {
      return keyCache.knows(presentedApiKey(request.headers), now());
    } catch {
      return false;
    }
  };

  return {
    guard,
    keyCache,
    redis,
    plugins: [useBodyLimit(config.limits.maxBodyBytes), useQueryLimits(config.limits.query, hasVerifiedKey), useRequestGuard(guard)],
    authenticate: (request, ip, at) => guard.authenticate(request, ip, (presented) => keyCache.verify(presented, at)),
    status: () => redis?.status() ?? { redis: 'not configured' },
    async stop() {
      stopLocal();
      await (await listening)();
      await redis?.close();
    },
  };
}
