import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { KeyRateLimitOverride, VerifiedKey } from '../auth/authenticate.js';
import { presentedApiKey } from '../auth/headers.js';
import type { ApiKeyEnvironment } from '../auth/key-format.js';
import type { Principal } from '../auth/principal.js';
import type { LimitsConfig } from '../config.js';
import { ERROR_CODES, type ErrorCode } from '../graphql/errors.js';
import type { Logger } from '../lib/logger.js';
import type { RedisConnection } from '../redis.js';
import { AuthFailureThrottle } from './auth-failures.js';
import { ConcurrencyGate, type Slot } from './concurrency.js';
import { FieldLimiter } from './field-limiter.js';
import { MemoryFieldStore, RedisFieldStore } from './field-store.js';
import { rateLimitHeaders } from './headers.js';
import { WindowCounters } from './window-counters.js';

/** A key's effective request limit. */
export type KeyPolicy = { requests: number; windowSeconds: number; isDefault: boolean };

/** What resolvers see of the limits (RequestContext.limits). */
export type RequestLimits = {
  fields: FieldLimiter;
  keyPolicy(environment: ApiKeyEnvironment, override: KeyRateLimitOverride | null): KeyPolicy;
};

/** Per request: headers for the response, and the slot to give back when it ends. */
type RequestState = { headers?: Record<string, string>; slot?: Slot };

/**
 * Every limit a request passes before its resolvers run, in order: the client
 * address is not throttled for failed authentications; the key verifies (a
 * failure counts against the address); the key is within its request limit;
 * its organization has a free concurrency slot. One instance per app; the
 * counters are shared through Redis when it is configured.
 */
export class RequestGuard implements RequestLimits {
  readonly fields: FieldLimiter;
  readonly concurrency: ConcurrencyGate;
  private readonly keyCounts: WindowCounters;
  private readonly authFailures: AuthFailureThrottle;
  private readonly requests = new WeakMap<Request, RequestState>();

  constructor(
    private readonly config: LimitsConfig,
    redis: RedisConnection | null,
    logger: Logger,
  ) {
    this.keyCounts = new WindowCounters('key', redis);
    this.authFailures = new AuthFailureThrottle(config.authFailuresPerMinute, redis);
    this.concurrency = new ConcurrencyGate(config.organizationConcurrency, config.concurrencySlotTtlMs, redis);
    const memory = new MemoryFieldStore();
    this.fields = new FieldLimiter(redis ? new RedisFieldStore(redis, memory) : memory, logger, config.fieldLimits);
  }

  keyPolicy(environment: ApiKeyEnvironment, override: KeyRateLimitOverride | null): KeyPolicy {
    if (override) return { ...override, isDefault: false };
    return { requests: this.config.keyRequestsPerMinute[environment], windowSeconds: 60, isDefault: true };
  }

  /**
   * Verifies the presented key, unless the address is throttled. Requests
   * without a known address (in-process calls) are not throttled.
   */
  async authenticate(request: Request, ip: string | null, verify: (presented: string) => Promise<VerifiedKey>): Promise<VerifiedKey> {
    const wait = ip ? this.authFailures.retryAfterSeconds(ip) : 0;
    if (wait > 0) throw throttled(wait);
    try {
      return await verify(presentedApiKey(request.headers));
    } catch (error) {
      if (ip && isAuthenticationFailure(error)) {
        const blocked = await this.authFailures.recordFailure(ip);
        if (blocked > 0) throw throttled(blocked);
      }
      throw error;
    }
  }

  /** Counts the request against its key and takes an organization slot, or throws the 429. */
  async admit(request: Request, verified: VerifiedKey): Promise<void> {
    const { principal } = verified;
    const policy = this.keyPolicy(principal.environment, verified.rateLimit);
    const count = await this.keyCounts.consume(principal.keyId, policy.requests, policy.windowSeconds);
    const headers = rateLimitHeaders(count, policy.windowSeconds);
    const state: RequestState = { headers };
    this.requests.set(request, state);
    if (!count.allowed) {
      const retryAfter = Math.max(1, Math.ceil(count.msBeforeReset / 1000));
      throw limitError('RATE_LIMITED', `This key is over its limit of ${policy.requests} requests per ${policy.windowSeconds} s; retry in ${retryAfter} s.`, retryAfter);
    }
    await this.takeSlot(request, principal, state);
  }

  private async takeSlot(request: Request, principal: Principal, state: RequestState): Promise<void> {
    const slot = await this.concurrency.acquire(principal.organizationId);
    if (!slot) {
      throw limitError(
        'CONCURRENCY_LIMITED',
        `This organization already has ${this.config.organizationConcurrency} requests in flight; retry when one has finished.`,
        1,
      );
    }
    state.slot = slot;
    // A client that goes away gives its slot back at once, even while its resolvers still run.
    request.signal?.addEventListener('abort', () => slot.release(), { once: true });
  }

  /** The response is ready: add the limit headers and give back the slot. */
  finish(request: Request, response: Response): void {
    const state = this.requests.get(request);
    if (!state) return;
    state.slot?.release();
    for (const [name, value] of Object.entries(state.headers ?? {})) response.headers.set(name, value);
  }
}

function isAuthenticationFailure(error: unknown): boolean {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  return code === 'INVALID_API_KEY' || code === 'UNAUTHORIZED';
}

const throttled = (retryAfter: number) =>
  limitError('AUTHENTICATION_THROTTLED', `Too many failed authentications from this address; retry in ${retryAfter} s.`, retryAfter);

/** A 429 that fails the whole request, with Retry-After in seconds. */
function limitError(code: ErrorCode, message: string, retryAfter: number): GraphQLError {
  const { status, type } = ERROR_CODES[code];
  return new GraphQLError(message, {
    extensions: { code, type, retryAfter, http: { status, headers: { 'Retry-After': String(retryAfter) } } },
  });
}

/** Adds the limit headers to every response of an admitted request and frees its slot. */
export function useRequestGuard(guard: RequestGuard): Plugin {
  return {
    onResponse({ request, response }) {
      guard.finish(request, response);
    },
  };
}
