import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from '../lib/redis.js';

export type WindowCount = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the window (and the count) starts over. */
  msBeforeReset: number;
};

/** A window's count (this request included) against a limit, however it was counted. */
export function windowCount(consumed: number, limit: number, msBeforeReset: number): WindowCount {
  return { allowed: consumed <= limit, limit, remaining: Math.max(limit - consumed, 0), msBeforeReset: Math.max(msBeforeReset, 0) };
}

// The limit is compared here, not by the library, so that one counter per
// window serves every limit: changing a key's limit keeps what it has used.
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Fixed-window counters, one per subject and window length. With Redis the
 * increment is one atomic Lua call shared by every instance, so with a limit
 * of L exactly L of any number of concurrent requests are admitted. Without
 * Redis, or while it is unreachable (refused at once, or after the client's
 * command timeout), each instance counts in its own memory: rate-limiter-flexible's
 * insurance limiter, which takes over and hands back per call.
 */
export class WindowCounters {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  /**
   * `windows`: the window lengths known now, their limiters built at once.
   * rate-limiter-flexible's Redis limiter defines its script on the shared
   * client when built, and ioredis fails a command defined while an
   * auto-pipeline is being filled, and misaligns that pipeline's replies
   * (redis/ioredis#1931): built on first use, under load, it would.
   */
  constructor(
    private readonly prefix: string,
    private readonly redis: RedisConnection | null,
    windows: readonly number[] = [],
  ) {
    for (const windowSeconds of windows) this.limiterFor(windowSeconds);
  }

  async consume(subject: string, limit: number, windowSeconds: number): Promise<WindowCount> {
    const result: RateLimiterRes = await this.limiterFor(windowSeconds).consume(subject);
    return windowCount(result.consumedPoints, limit, result.msBeforeNext);
  }

  private limiterFor(windowSeconds: number): RateLimiterAbstract {
    let limiter = this.limiters.get(windowSeconds);
    if (!limiter) {
      const options = { points: UNBOUNDED, duration: windowSeconds, keyPrefix: `tessera:${this.prefix}:${windowSeconds}` };
      const memory = new RateLimiterMemory(options);
      limiter = this.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.redis.client,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      this.limiters.set(windowSeconds, limiter);
    }
    return limiter;
  }
}
