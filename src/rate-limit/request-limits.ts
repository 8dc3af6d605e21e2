import type { RateLimitOverride, UsageLimit } from '../auth/key-state.js';
import type { ApiKeyEnvironment } from '../auth/key-format.js';
import type { LimitsConfig } from '../config/config.js';
import { appError, isAppError, type AppError, type ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { RedisConnection } from '../lib/redis.js';
import { AuthFailureThrottle } from './auth-failures.js';
import { ComputeQueue } from './compute-queue.js';
import { ConcurrencyGate, type Slot } from './concurrency.js';
import { FieldLimiter } from './field-limiter.js';
import { MemoryFieldStore, RedisFieldStore } from './field-store.js';
import { rateLimitHeaders } from './headers.js';
import { SharedAdmission } from './shared-admission.js';
import { usagePeriodAt, type KeyUsage, type UsagePeriod } from './usage-budget.js';
import { UsageCounters, type UsageLedger } from './usage-counters.js';
import { WindowCounters, type WindowCount } from './window-counters.js';

/** A key's effective request limit. */
export type KeyPolicy = { requests: number; windowSeconds: number; isDefault: boolean };

/** A request counted against its caller: the rate-limit headers either way, and its slot or the 429. */
export type RequestAdmission = { headers: Record<string, string> } & ({ slot: Slot; refusal: null } | { slot: null; refusal: AppError });

/** What resolvers see of the limits (RequestContext.limits). */
export type RequestLimits = {
  fields: FieldLimiter;
  /** Turns at the heavy computations (availability, free/busy), per organization. */
  computations: ComputeQueue;
  keyPolicy(environment: ApiKeyEnvironment, override: RateLimitOverride | null): KeyPolicy;
  /** What a usage-limited key has left, as of `now`. */
  keyUsage(usage: UsageLimit, now: Date): Promise<KeyUsage>;
  /** Daily limits on public keys' bookings, counted by the bookings themselves (src/modules/bookings/booking-quotas.ts). */
  publicBookings: LimitsConfig['publicBookings'];
};

/**
 * Every limit a request passes before its resolvers run, in order: the client
 * address is not throttled for failed authentications; the credential
 * verifies (a failure counts against the address); the caller is within its
 * request limit; its organization has a free concurrency slot; a usage-limited
 * key has a request of its budget left. Knows callers only by identity and
 * organization, not by transport. One instance per app; the counters are
 * shared through Redis when it is configured.
 */
export class RequestGuard implements RequestLimits {
  readonly fields: FieldLimiter;
  readonly concurrency: ConcurrencyGate;
  readonly computations = new ComputeQueue();
  /** Usage-limited keys' budgets; the app starts and stops their ledger writes. */
  readonly usage: UsageCounters;
  /** With Redis: the key window and the organization slot in one script. */
  private readonly shared: SharedAdmission | null;
  /** Without Redis, or while it does not answer: this instance's own counts. */
  private readonly keyCounts = new WindowCounters('key', null);
  private readonly authFailures: AuthFailureThrottle;

  constructor(
    private readonly config: LimitsConfig,
    redis: RedisConnection | null,
    logger: Logger,
    usageLedger: UsageLedger,
  ) {
    this.shared = redis ? new SharedAdmission(redis, config.organizationConcurrency, config.concurrencySlotTtlMs) : null;
    this.usage = new UsageCounters(redis, usageLedger, logger);
    this.authFailures = new AuthFailureThrottle(config.authFailuresPerMinute, redis);
    this.concurrency = new ConcurrencyGate(config.organizationConcurrency);
    const memory = new MemoryFieldStore();
    this.fields = new FieldLimiter(redis ? new RedisFieldStore(redis, memory) : memory, logger, config.fieldLimits);
  }

  get publicBookings(): LimitsConfig['publicBookings'] {
    return this.config.publicBookings;
  }

  keyPolicy(environment: ApiKeyEnvironment, override: RateLimitOverride | null): KeyPolicy {
    if (override) return { ...override, isDefault: false };
    return { requests: this.config.keyRequestsPerMinute[environment], windowSeconds: 60, isDefault: true };
  }

  /**
   * Verifies a credential not verified before; an authentication failure
   * counts against the address. Once an address is throttled the guesser is
   * slowed, not the office behind the same address: credentials already
   * verified never come here (admission answers them from the key cache
   * first, at no cost), a few cold ones per window still get their lookup,
   * and failures answer 429 until the window ends. Calls without a known
   * address (in-process) are not throttled.
   */
  async authenticate<T>(ip: string | null, verify: () => Promise<T>): Promise<T> {
    const wait = ip ? this.authFailures.retryAfterSeconds(ip) : 0;
    if (wait > 0) {
      if (!this.authFailures.takeLookupWhileBlocked(ip!)) throw throttled(wait);
      try {
        return await verify();
      } catch (error) {
        throw isAuthenticationFailure(error) ? throttled(this.authFailures.retryAfterSeconds(ip!)) : error;
      }
    }
    try {
      return await verify();
    } catch (error) {
      if (ip && isAuthenticationFailure(error)) {
        const blocked = await this.authFailures.recordFailure(ip);
        if (blocked > 0) throw throttled(blocked);
      }
      throw error;
    }
  }

  /**
   * Counts the request against its caller and, within the caller's limit,
   * takes a concurrency slot of its organization: with Redis in one command
   * shared by every instance; without it, or while it does not answer, in
   * this instance's memory.
   */
  async admitRequest(callerId: string, policy: KeyPolicy, organizationId: string): Promise<RequestAdmission> {
    let count: WindowCount | null = null;
    let slot: Slot | null = null;
    if (this.shared?.ready) {
      try {
        ({ count, slot } = await this.shared.admit(callerId, policy.requests, policy.windowSeconds, organizationId));
      } catch {
        // Redis went away mid-call: counted here instead.
      }
    }
    if (!count) {
      count = await this.keyCounts.consume(callerId, policy.requests, policy.windowSeconds);
      if (count.allowed) slot = this.concurrency.acquire(organizationId);
    }
    const headers = rateLimitHeaders(count, policy.windowSeconds);
    if (!count.allowed) {
      const retryAfter = Math.max(1, Math.ceil(count.msBeforeReset / 1000));
      const refusal = limitError('RATE_LIMITED', `This key is over its limit of ${policy.requests} requests per ${policy.windowSeconds} s; retry in ${retryAfter} s.`, retryAfter);
      return { headers, slot: null, refusal };
    }
    if (!slot) {
      const refusal = limitError(
        'CONCURRENCY_LIMITED',
        `This organization already has ${this.config.organizationConcurrency} requests in flight; retry when one has finished.`,
        1,
      );
      return { headers, slot: null, refusal };
    }
    return { headers, slot, refusal: null };
  }

  /** Sends what is still waiting to go to Redis (slot releases), at shutdown. */
  async flush(): Promise<void> {
    await this.shared?.flush();
  }

  /**
   * Spends one request of a usage-limited key's budget; the 429 once the
   * period's budget is spent, with Retry-After only when a refill is due.
   */
  async spendUsage(usage: UsageLimit, organizationId: string, now: Date): Promise<AppError | null> {
    const period = usagePeriodAt(usage, now);
    const spent = await this.usage.spend(period, organizationId);
    return spent.admitted ? null : usageExhausted(period, now);
  }

  async keyUsage(usage: UsageLimit, now: Date): Promise<KeyUsage> {
    const period = usagePeriodAt(usage, now);
    const used = await this.usage.used(period);
    return { limit: period.limit, remaining: Math.max(period.limit - used, 0), refillsAt: period.refillsAt };
  }
}

function isAuthenticationFailure(error: unknown): boolean {
  return isAppError(error) && (error.code === 'INVALID_API_KEY' || error.code === 'UNAUTHORIZED');
}

const throttled = (retryAfter: number) =>
  limitError('AUTHENTICATION_THROTTLED', `Too many failed authentications from this address; retry in ${retryAfter} s.`, retryAfter);

function usageExhausted(period: UsagePeriod, now: Date): AppError {
  const spent = `This key has used all ${period.limit} requests of its usage limit`;
  if (!period.refillsAt) return appError('USAGE_EXHAUSTED', `${spent}; it is not refilled.`);
  const retryAfter = Math.max(1, Math.ceil((period.refillsAt.getTime() - now.getTime()) / 1000));
  const refillsAt = period.refillsAt.toISOString();
  return limitError('USAGE_EXHAUSTED', `${spent}; it is refilled at ${refillsAt}: retry in ${retryAfter} s.`, retryAfter, { refillsAt });
}

/** A 429; the edge adds Retry-After (seconds) from the details. */
function limitError(code: ErrorCode, message: string, retryAfter: number, details: Record<string, unknown> = {}): AppError {
  return appError(code, message, { retryAfter, ...details });
}
