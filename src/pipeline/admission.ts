import { KeyRefused, type VerifiedKey } from '../auth/authenticate.js';
import type { KeyCache } from '../auth/key-cache.js';
import type { RateLimitOverride, UsageLimit } from '../auth/key-state.js';
import { parseApiKey } from '../auth/key-format.js';
import { presentedApiKey } from '../auth/headers.js';
import { assertAddressPermitted } from '../auth/address-policy.js';
import { assertOriginPermitted } from '../auth/origin-policy.js';
import type { Client, Principal } from '../auth/principal.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { appError, databaseUnavailable, isAppError, type AppError } from '../lib/errors.js';
import type { Slot } from '../rate-limit/concurrency.js';
import type { RequestGuard } from '../rate-limit/request-limits.js';
import type { ProxyTrust } from './client-address.js';
import { clientOf, startOperation, type ExecutionLimits } from './operation-start.js';
import type { AuthFailureReason } from './observability/metrics.js';
import type { PipelineContext } from './pipeline-context.js';

export type AdmissionDeps = {
  proxies: ProxyTrust;
  keys: KeyCache;
  guard: RequestGuard;
  now: () => Date;
  execution: ExecutionLimits;
  /** A key refused on lookup (unknown, revoked, expired, owner gone): recorded before the 401 leaves. */
  onKeyRefused(refusal: KeyRefused, client: Client, requestId: string | null): Promise<void>;
  /** Any failed authentication, by why it failed (metrics). */
  onAuthFailure?(reason: AuthFailureReason): void;
  /** A refusal after the caller was identified (origin, address, organization, limits): still the tenant's activity. */
  onRefused(principal: Principal, client: Client, operationName: string | null, refusal: AppError, requestId: string | null): void;
  /** The caller passed every check (last-used tracking). */
  onAdmitted(principal: Principal, client: Client, at: Date): void;
};

/**
 * The request pipeline's checks, in their one order, before any document is
 * parsed: client address (computed once) → a key verified before (the key
 * cache), or else the failed-auth throttle and the key's verification →
 * origin policy and IP allowlist → organization header
 * → the caller's request limit and an organization slot → a usage-limited
 * key's budget. The caller that passed them starts its operation
 * (operation-start.ts: the deadline, host-day budget and slot on the context).
 */
export async function admit(
  request: Request,
  operationName: string | null,
  context: PipelineContext,
  deps: AdmissionDeps,
): Promise<void> {
  const client = clientOf(request, context, deps.proxies);
  const requestId = context.requestId ?? null;
  // A key verified before needs nothing more here, not even the failed-authentication throttle: a throttled
  // address's verified keys pass at no cost. Most requests take this path, without a promise or a closure made for it.
  const { principal, rateLimit, usageLimit } = cachedKey(deps.keys, request, deps.now()) ?? (await authenticate(request, client, requestId, deps));
  context.identified = principal;
  let slot: Slot;
  try {
    assertOriginPermitted(principal, request, deps.proxies.trustProxy);
    assertAddressPermitted(principal, client.ip);
    assertOrganizationHeader(principal, request);
    slot = await countAndTakeSlot(deps.guard, principal, rateLimit, context);
    if (usageLimit) await spendUsage(deps, usageLimit, principal, slot);
  } catch (error) {
    if (isAppError(error)) deps.onRefused(principal, client, operationName, error, requestId);
    throw error;
  }
  const at = deps.now();
  startOperation(context, request, deps.execution, principal, slot, at);
  deps.onAdmitted(principal, client, at);
}

/** A key not in the cache: verified behind the failed-authentication throttle, every failure recorded and counted. */
function authenticate(request: Request, client: Client, requestId: string | null, deps: AdmissionDeps): Promise<VerifiedKey> {
  return deps.guard
    .authenticate(client.ip, () =>
      deps.keys.verify(presentedApiKey(request.headers), deps.now()).catch(async (error: unknown) => {
        if (error instanceof KeyRefused) await deps.onKeyRefused(error, client, requestId);
        throw error;
      }),
    )
    .catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) throw databaseUnavailable();
      const reason = authFailureReason(error, request);
      if (reason) deps.onAuthFailure?.(reason);
      throw error;
    });
}

/** The caller's request limit and an organization slot: the slot, or the first refusal (with the rate-limit headers set either way). */
async function countAndTakeSlot(guard: RequestGuard, principal: Principal, rateLimit: RateLimitOverride | null, context: PipelineContext): Promise<Slot> {
  const admitted = await guard.admitRequest(principal.id, guard.keyPolicy(principal.key.environment, rateLimit), principal.organizationId);
  context.responseHeaders = admitted.headers;
  if (admitted.refusal) throw admitted.refusal;
  return admitted.slot;
}

/**
 * Last, so that only a request every other check let through spends its
 * key's budget; a refused one gives its slot back.
 */
async function spendUsage(deps: AdmissionDeps, usageLimit: UsageLimit, principal: Principal, slot: Slot): Promise<void> {
  let exhausted: AppError | null;
  try {
    exhausted = await deps.guard.spendUsage(usageLimit, principal.organizationId, deps.now());
  } catch (error) {
    slot.release();
    throw isDatabaseUnavailable(error) ? databaseUnavailable() : error;
  }
  if (exhausted) {
    slot.release();
    throw exhausted;
  }
}

/** Why an authentication failed; null when the error is not a failed authentication (a throttle, an outage). */
function authFailureReason(error: unknown, request: Request): AuthFailureReason | null {
  if (error instanceof KeyRefused) return error.reason;
  if (!isAppError(error)) return null;
  if (error.code === 'UNAUTHORIZED') return 'no_key';
  if (error.code !== 'INVALID_API_KEY') return null;
  // Parsed again only on failure, so the hot path pays nothing for telling these two apart.
  try {
    const parsed = parseApiKey(presentedApiKey(request.headers));
    return !parsed.ok && parsed.reason === 'checksum' ? 'checksum' : 'malformed';
  } catch {
    return 'malformed';
  }
}

/** A verification already cached for the presented key; undefined when none or the headers are unusable. */
function cachedKey(keys: KeyCache, request: Request, now: Date) {
  try {
    return keys.cached(presentedApiKey(request.headers), now);
  } catch {
    return undefined;
  }
}

function assertOrganizationHeader(principal: Principal, request: Request): void {
  const claimed = request.headers.get('x-organization-id');
  if (claimed && claimed !== principal.organizationId) {
    throw appError('FORBIDDEN', 'X-Organization-Id does not match the organization of this API key.');
  }
}
