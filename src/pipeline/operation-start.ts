import type { Client, Principal } from '../auth/principal.js';
import { tenantOf } from '../auth/principal.js';
import type { Slot } from '../rate-limit/concurrency.js';
import { HostDayBudget } from '../rate-limit/host-day-budget.js';
import { clientAddress, type ProxyTrust } from './client-address.js';
import { startDeadline } from './deadline.js';
import type { PipelineContext } from './pipeline-context.js';

/** Each admitted request's deadline (REQUEST_TIMEOUT_MS) and host-day budget (AVAILABILITY_MAX_HOST_DAYS). */
export type ExecutionLimits = { timeoutMs: number; hostDays: number };

/** Who is calling from where, as the audit record and the address checks see it; on the context from here on. */
export function clientOf(request: Request, context: PipelineContext, proxies: ProxyTrust): Client {
  const client: Client = {
    // Worked out when the request arrived (request-identity.plugin.ts), unless admission runs on its own.
    ip: context.clientIp !== undefined ? context.clientIp : clientAddress(request, context.req?.socket?.remoteAddress ?? null, proxies),
    userAgent: request.headers.get('user-agent'),
  };
  context.client = client;
  return client;
}

/**
 * What an admitted operation starts with, once its caller passed every check
 * (admission.ts): its deadline and host-day budget, the slot it gives back
 * when it ends, and its caller on the context, where the rest of the
 * pipeline and the resolvers read them. Apart from the checks so that the
 * checks' own cost can be measured (`npm run bench:cpu`).
 */
export function startOperation(context: PipelineContext, request: Request, limits: ExecutionLimits, principal: Principal, slot: Slot, at: Date): void {
  // A client that goes away gives its slot back at once, even while its resolvers still run.
  const deadline = startDeadline(request, limits.timeoutMs, () => slot.release());
  context.operation = { slot, deadline, startedAt: at, afterResult: [] };
  context.deadline = deadline;
  context.hostDays = new HostDayBudget(limits.hostDays);
  context.principal = principal;
  context.tenant = tenantOf(principal);
}
