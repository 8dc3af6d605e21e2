import { KeyRefused } from '../auth/authenticate.js';
import type { KeyCache } from '../auth/key-cache.js';
import { parseApiKey } from '../auth/key-format.js';
import { presentedApiKey } from '../auth/headers.js';
import { assertOriginPermitted } from '../auth/origin-policy.js';
import { tenantOf, type Client, type Principal } from '../auth/principal.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { appError, databaseUnavailable, isAppError, type AppError } from '../lib/errors.js';
import { HostDayBudget } from '../rate-limit/host-day-budget.js';
import type { RequestGuard } from '../rate-limit/request-limits.js';
import { clientAddress, type ProxyTrust } from './client-address.js';
import { startDeadline } from './deadline.js';
import type { AuthFailureReason } from './observability/metrics.js';
import type { PipelineContext } from './pipeline-context.js';

export type AdmissionDeps = {
  proxies: ProxyTrust;
  keys: KeyCache;
  guard: RequestGuard;
  now: () => Date;
  /** Each admitted request's deadline (REQUEST_TIMEOUT_MS) and host-day budget (AVAILABILITY_MAX_HOST_DAYS). */
  execution: { timeoutMs: number; hostDays: number };
  /** A key refused on lookup (unknown, revoked, expired, owner gone): recorded before the 401 leaves. */
  onKeyRefused(refusal: KeyRefused, client: Client, requestId: string | null): Promise<void>;
  /** Any failed authentication, by why it failed (metrics). */
  onAuthFailure?(reason: AuthFailureReason): void;
  /** A refusal after the caller was identified (origin, organization, limits): still the tenant's activity. */
  onRefused(principal: Principal, client: Client, operationName: string | null, refusal: AppError, requestId: string | null): void;
  /** The caller passed every check (last-used tracking). */
  onAdmitted(principal: Principal, client: Client, at: Date): void;
};

/**
 * The request pipeline's checks, in their one order, before any document is
 * parsed: client address (computed once) → failed-auth throttle → key
 * verification (cached) → origin policy → organization header → the caller's
 * request limit and an organization slot. The outcome goes onto the context,
 * with the request's deadline signal and host-day budget.
 */
export async function admit(
  request: Request,
  operationName: string | null,
  context: PipelineContext,
  deps: AdmissionDeps,
): Promise<void> {
  const client: Client = {
    // Worked out when the request arrived (request-identity.plugin.ts), unless admission runs on its own.
    ip: context.clientIp !== undefined ? context.clientIp : clientAddress(request, context.req?.socket?.remoteAddress ?? null, deps.proxies),
    userAgent: request.headers.get('user-agent'),
  };
  context.client = client;
  const requestId = context.requestId ?? null;
  const { principal, rateLimit } = await deps.guard
    .authenticate(client.ip, {
      cached: () => cachedKey(deps.keys, request, deps.now()),
      verify: () =>
        deps.keys.verify(presentedApiKey(request.headers), deps.now()).catch(async (error: unknown) => {
          if (error instanceof KeyRefused) await deps.onKeyRefused(error, client, requestId);
          throw error;
        }),
    })
    .catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) throw databaseUnavailable();
      const reason = authFailureReason(error, request);
      if (reason) deps.onAuthFailure?.(reason);
      throw error;
    });
  context.identified = principal;
  try {
    assertOriginPermitted(principal, request, deps.proxies.trustProxy);
    assertOrganizationHeader(principal, request);
    const policy = deps.guard.keyPolicy(principal.key.environment, rateLimit);
    const counted = await deps.guard.countRequest(principal.id, policy);
    context.responseHeaders = counted.headers;
    if (counted.refusal) throw counted.refusal;
    const slot = await deps.guard.takeSlot(principal.organizationId);
    // A client that goes away gives its slot back at once, even while its resolvers still run.
    request.signal?.addEventListener('abort', () => slot.release(), { once: true });
    const at = deps.now();
    const deadline = startDeadline(request, deps.execution.timeoutMs);
    context.operation = { slot, deadline, startedAt: at, afterResult: [] };
    context.signal = deadline.signal;
    context.hostDays = new HostDayBudget(deps.execution.hostDays);
  } catch (error) {
    if (isAppError(error)) deps.onRefused(principal, client, operationName, error, requestId);
    throw error;
  }
  context.principal = principal;
  context.tenant = tenantOf(principal);
  deps.onAdmitted(principal, client, context.operation.startedAt);
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
