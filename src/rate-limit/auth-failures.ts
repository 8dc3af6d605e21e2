import type { RedisConnection } from '../lib/redis.js';
import { WindowCounters } from './window-counters.js';

const WINDOW_SECONDS = 60;
const MAX_BLOCKED = 100_000;

/**
 * Failed authentications per client address. Failures are counted in the
 * shared store; once an address reaches the limit it is remembered here, in
 * memory, and refused without touching Redis or the database until its window
 * ends, so key guessing is slow for the guesser and cheap for us. Another
 * instance learns of the block on its first failure from that address.
 */
export class AuthFailureThrottle {
  private readonly counters: WindowCounters;
  private readonly blockedUntil = new Map<string, number>();
  /** Cold lookups a blocked address has had this window: enough for an office's few valid keys. */
  private readonly lookupsWhileBlocked = new Map<string, number>();

  constructor(
    private readonly limitPerMinute: number,
    redis: RedisConnection | null,
  ) {
    this.counters = new WindowCounters('authfail', redis, [WINDOW_SECONDS]);
  }

  /** Seconds until the address may try again, or 0 if it may now. */
  retryAfterSeconds(ip: string, nowMs = Date.now()): number {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return 0;
    if (until <= nowMs) {
      this.blockedUntil.delete(ip);
      this.lookupsWhileBlocked.delete(ip);
      return 0;
    }
    return Math.ceil((until - nowMs) / 1000);
  }

  /**
   * Whether a blocked address may have one more cold key lookup (a valid key
   * not yet cached); at most the failure limit per window, so a guesser
   * gains nothing and the database sees a bounded trickle.
   */
  takeLookupWhileBlocked(ip: string): boolean {
    const taken = this.lookupsWhileBlocked.get(ip) ?? 0;
    if (taken >= this.limitPerMinute) return false;
    this.lookupsWhileBlocked.set(ip, taken + 1);
    return true;
  }

  /** Counts a failure; returns how long the address is now blocked (0: not blocked). */
  async recordFailure(ip: string, nowMs = Date.now()): Promise<number> {
    const count = await this.counters.consume(ip, this.limitPerMinute, WINDOW_SECONDS);
    if (count.allowed && count.remaining > 0) return 0;
    if (this.blockedUntil.size >= MAX_BLOCKED) this.sweep(nowMs);
    this.blockedUntil.set(ip, nowMs + count.msBeforeReset);
    // The failure that reached the limit is still answered as what it was (401).
    return count.allowed ? 0 : Math.ceil(count.msBeforeReset / 1000);
  }

  private sweep(nowMs: number): void {
    for (const [ip, until] of this.blockedUntil) if (until <= nowMs) this.blockedUntil.delete(ip);
    for (const ip of this.lookupsWhileBlocked.keys()) if (!this.blockedUntil.has(ip)) this.lookupsWhileBlocked.delete(ip);
    // Still full of live blocks: drop the oldest rather than grow without bound.
    if (this.blockedUntil.size >= MAX_BLOCKED) {
      const oldest = this.blockedUntil.keys().next().value;
      if (oldest !== undefined) this.blockedUntil.delete(oldest);
    }
  }
}
