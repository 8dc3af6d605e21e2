import type { GraphQLResolveInfo } from 'graphql';
import { getGraphQLRateLimiter, type Store } from 'graphql-rate-limit';
import { isPublicCaller, type Principal } from '../auth/principal.js';
import { appError, type AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/**
 * Whose calls a field limit counts: `key` counts each key's calls; `public-client`
 * counts each public key's calls per client address (secret keys are exempt),
 * so one browser cannot spend a whole public key's budget.
 */
export type FieldLimitBy = 'key' | 'public-client';
export type FieldLimit = { max: number; window: string; by: FieldLimitBy };

const DESCRIBE_BY: Record<FieldLimitBy, string> = {
  key: 'per API key',
  'public-client': 'per public key and client address',
};

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Windows are written `30s`, `1m`, `1h` or `1d`: a subset of what graphql-rate-limit's `ms` reads identically. */
export function windowMs(limit: Pick<FieldLimit, 'window'>): number {
  const match = /^([1-9]\d*)([smhd])$/.exec(limit.window);
  if (!match) throw new Error(`rate limit window "${limit.window}" is not a duration like 30s, 1m or 1h`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * Enforces the limits fields declare (see field-limit.plugin.ts) with
 * graphql-rate-limit's `getGraphQLRateLimiter`. Every occurrence of a field
 * counts, aliases included: calls for one identity are checked one after the
 * other in this process, so two aliases resolving in parallel cannot both
 * read the same count. Across instances two calls may still overlap; see the
 * README for the precision that gives.
 */
export class FieldLimiter {
  private readonly limiter: ReturnType<typeof getGraphQLRateLimiter>;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly enabled = true,
  ) {
    this.limiter = getGraphQLRateLimiter({
      store,
      identifyContext: (context: { identity: string }) => context.identity,
      // The message is built below, once the retry time is known.
      formatError: () => 'limited',
    });
  }

  /** The error to return for this call, or null when it may go ahead. */
  async check(
    limit: FieldLimit,
    call: { args: Record<string, unknown>; info: GraphQLResolveInfo; principal: Principal; ip: string | null },
  ): Promise<AppError | null> {
    const { principal, info } = call;
    if (!this.enabled) return null;
    if (limit.by === 'public-client' && !isPublicCaller(principal)) return null;
    const subject = limit.by === 'key' ? principal.id : `${principal.id}@${call.ip ?? 'unknown'}`;
    const identity = `${info.parentType.name}:${limit.by}:${limit.window}:${subject}`;
    try {
      const limited = await this.serially(`${identity}|${info.fieldName}`, () =>
        this.limiter(
          { parent: undefined, args: call.args, context: { identity }, info },
          { max: limit.max, window: limit.window, uncountRejected: true },
        ),
      );
      if (!limited) return null;
      const retryAfter = await this.retryAfterSeconds(identity, info.fieldName, windowMs(limit));
      return appError(
        'FIELD_RATE_LIMITED',
        `${info.fieldName} is limited to ${limit.max} calls per ${limit.window} ${DESCRIBE_BY[limit.by]}; retry in ${retryAfter} s.`,
        { field: info.fieldName, retryAfter, limit: { max: limit.max, window: limit.window, by: limit.by } },
      );
    } catch (error) {
      // A limit we cannot evaluate must not take the field down with it.
      this.logger.warn({ err: error, field: info.fieldName }, 'field rate limit could not be checked; allowing the call');
      return null;
    }
  }

  private async retryAfterSeconds(contextIdentity: string, fieldIdentity: string, window: number): Promise<number> {
    const now = Date.now();
    const calls = (await this.store.getForIdentity({ contextIdentity, fieldIdentity })).filter((at) => at + window > now);
    const oldest = calls.length ? Math.min(...calls) : now;
    return Math.max(1, Math.ceil((oldest + window - now) / 1000));
  }

  /** Runs calls for one identity one at a time, in arrival order. */
  private serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}
