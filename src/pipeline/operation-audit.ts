import type { KeyRefused } from '../auth/authenticate.js';
import { tenantOf, type Client, type Principal } from '../auth/principal.js';
import type { AppError } from '../lib/errors.js';
import { isGraphQLName } from '../lib/graphql-name.js';
import { newId } from '../lib/random.js';
import type { NewAuditEvent } from '../modules/audit/audit.service.js';
import type { RequestAuditRecord } from '../modules/audit/request-audit-log.js';
import type { RefusalLog } from '../modules/audit/refusal-log.js';
import type { Outcome } from './operation.js';

type Entry = Pick<NewAuditEvent, 'action' | 'operationName' | 'details' | 'requestId' | 'scopeRequirements'> & { rootFields: string[]; outcome: Outcome };

const LIMIT_CODES = new Set(['RATE_LIMITED', 'CONCURRENCY_LIMITED']);

/**
 * What the pipeline records: every operation of an authenticated caller once
 * its result is known; refusals after authentication (origin, IP allowlist,
 * organization header → denied; request or concurrency limit → limited, at
 * most once per key, code and second, and an IP refusal at most once per key,
 * address and second, so a flood cannot flood the log); and keys refused on
 * lookup, through the refusal log.
 */
export class OperationAudit {
  private readonly limitedSeen = new Map<string, number>();

  constructor(
    private readonly log: { record(event: RequestAuditRecord): void },
    private readonly refusals: RefusalLog,
    private readonly now: () => Date,
  ) {}

  record(principal: Principal, client: Client, entry: Entry): void {
    const tenant = tenantOf(principal);
    this.log.record({
      id: newId('evt'),
      organizationId: tenant.organizationId,
      environment: tenant.environment,
      apiKeyId: principal.kind === 'api-key' ? principal.id : null,
      ip: client.ip,
      userAgent: client.userAgent,
      createdAt: this.now(),
      ...entry,
    });
  }

  refused(principal: Principal, client: Client, operationName: string | null, refusal: AppError, requestId: string | null = null): void {
    const limited = LIMIT_CODES.has(refusal.code);
    if (limited && !this.firstThisSecond(`${principal.id}|${refusal.code}`)) return;
    const reason = typeof refusal.details.reason === 'string' ? refusal.details.reason : null;
    // Refused before the request limit counts it: a leaked key hammered from elsewhere is recorded once a second per address.
    if (reason === 'IP_NOT_ALLOWED' && !this.firstThisSecond(`${principal.id}|${reason}|${client.ip ?? ''}`)) return;
    this.record(principal, client, {
      action: 'graphql.refused',
      // As the client sent it, before any document matched it (it can be any string): a name, or nothing.
      operationName: operationName !== null && isGraphQLName(operationName) ? operationName : null,
      rootFields: [],
      scopeRequirements: [],
      outcome: limited ? 'limited' : 'denied',
      // The rule that refused (IP_NOT_ALLOWED, ORIGIN_NOT_ALLOWED, …) is what the key's owner needs to see.
      details: reason ? { code: refusal.code, reason } : { code: refusal.code },
      requestId,
    });
  }

  async keyRefused(refusal: KeyRefused, client: Client, requestId: string | null = null): Promise<void> {
    if (refusal.key) await this.refusals.keyRefused(refusal.key, refusal.reason, client, requestId);
    else this.refusals.unknownKey(client);
  }

  private firstThisSecond(subject: string): boolean {
    const second = Math.floor(this.now().getTime() / 1000);
    if (this.limitedSeen.get(subject) === second) return false;
    if (this.limitedSeen.size >= 10_000) this.limitedSeen.clear();
    this.limitedSeen.set(subject, second);
    return true;
  }
}
