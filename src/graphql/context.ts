import type { Logger } from 'pino';
import type { ApiActor, Client, Principal, Tenant } from '../auth/principal.js';
import type { Database } from '../db/client.js';
import type { HostResolver } from '../lib/outbound-url.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { HostDayBudget } from '../rate-limit/host-day-budget.js';
import type { RequestLimits } from '../rate-limit/request-limits.js';

/** The in-memory copy of each world's trusted documents (the trusted-documents module's registry). */
export type TrustedDocumentCache = { forget(tenant: Tenant): void };

/** Fetches one calendar connection's feed now (the calendars module's sync worker). */
export type CalendarFeedRefresher = { sync(connectionId: string): Promise<unknown> };

/**
 * What every resolver receives. The request pipeline (src/pipeline) puts the
 * caller on it once, after authentication: the principal, its tenant and the
 * client, and this request's deadline and host-day budget; the app adds the
 * services below.
 */
export type RequestContext = {
  principal: Principal;
  /** The slice of data this caller lives in; every query filters by it. */
  tenant: Tenant;
  client: Client;
  /** The request's id (X-Request-Id): its errors, its audit records and its log lines carry it. */
  requestId: string;
  /**
   * Stops when the request's deadline passes (REQUEST_TIMEOUT_MS) or its client
   * goes away; long work passes its signal down and stops (src/lib/pace.ts).
   */
  deadline: { readonly signal: AbortSignal };
  /** What this request's availability and freeBusy calls may still cover (AVAILABILITY_MAX_HOST_DAYS). */
  hostDays: HostDayBudget;
  db: Database;
  logger: Logger;
  now: () => Date;
  /** Seals stored credentials, resolves outbound hosts (SSRF guard) and fetches calendar feeds. */
  outbound: { secrets: SecretBox; resolver: HostResolver; calendarSync: CalendarFeedRefresher };
  /** How many webhook endpoints an organization may have in each world (WEBHOOK_MAX_ENDPOINTS). */
  webhooks: { maxEndpoints: number };
  /** Per-field limits and the key limit defaults (src/rate-limit). */
  limits: RequestLimits;
  /** AUDIT_RETENTION_DAYS: records are kept at least this long, so a look back over the audit log (scopeUsage) goes no further. */
  auditRetentionDays: number;
  /** Told when this instance registers trusted documents, so its very next request sees them. */
  trustedDocuments: TrustedDocumentCache;
};

/** The caller as the actor of a change: who (the principal) and from where (the client), as the audit record names them. */
export const actorOf = (context: Pick<RequestContext, 'principal' | 'client' | 'requestId'>): ApiActor => ({
  principal: context.principal,
  ip: context.client.ip,
  userAgent: context.client.userAgent,
  requestId: context.requestId,
});
