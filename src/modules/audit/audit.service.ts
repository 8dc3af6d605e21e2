import { and, eq, type SQL } from 'drizzle-orm';
import { tenantOf, type Actor, type Principal } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { keysetPage, type KeysetOrder, type KeysetPage } from '../../db/keyset.js';
import { auditEvents } from '../../db/schema/index.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { newId } from '../../lib/random.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import type { ApiKeyEnvironment } from '../../auth/key-format.js';

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;

export type KeyChangeAction =
  | 'api_key.created'
  | 'api_key.updated'
  | 'api_key.revoked'
  | 'api_key.rolled'
  | 'api_key.transferred'
  | 'api_key.leaked'
  | 'key_policy.updated'
  | 'trusted_documents.registered'
  | 'trusted_documents.removed';


/** Written inside the caller's transaction, so the change and its record land together. */
export async function recordKeyChange(
  tx: Executor,
  actor: Actor,
  change: {
    action: KeyChangeAction;
    organizationId: string;
    environment: ApiKeyEnvironment;
    targetId: string;
    details?: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  const byKey = 'principal' in actor;
  await tx.insert(auditEvents).values({
    id: newId('evt'),
    organizationId: change.organizationId,
    environment: change.environment,
    apiKeyId: byKey ? actor.principal.id : null,
    action: change.action,
    outcome: 'ok',
    targetId: change.targetId,
    details: { ...change.details, ...(byKey ? {} : { via: 'cli' in actor ? actor.cli : actor.reporter }) },
    ip: byKey ? (actor.ip ?? null) : null,
    userAgent: byKey ? (actor.userAgent ?? null) : null,
    requestId: byKey ? (actor.requestId ?? null) : null,
    createdAt: now,
  });
}

export type AuditFilter = { apiKeyId?: string | null; action?: string | null };

/** Newest first: an audit log is read from the latest entry back. */
const AUDIT_ORDER: KeysetOrder = { at: auditEvents.createdAt, id: auditEvents.id, direction: 'desc' };
export const auditCursor = (event: AuditEvent) => encodeCursor({ at: event.createdAt, id: event.id });

/** Test keys read the test world's records; live keys read both, since a live admin answers for the whole organization. */
export async function listAuditEvents(
  db: Executor,
  viewer: Principal,
  filter: AuditFilter,
  page: PageRequest,
): Promise<KeysetPage<AuditEvent>> {
  const conditions: (SQL | undefined)[] = [eq(auditEvents.organizationId, viewer.organizationId)];
  if (tenantOf(viewer).environment === 'TEST') conditions.push(eq(auditEvents.environment, 'TEST'));
  if (filter.apiKeyId) conditions.push(eq(auditEvents.apiKeyId, filter.apiKeyId));
  if (filter.action) {
    if (filter.action.length > TEXT_LIMITS.auditAction) throw badUserInput('action', `must be at most ${TEXT_LIMITS.auditAction} characters.`);
    conditions.push(eq(auditEvents.action, filter.action));
  }
  return keysetPage(AUDIT_ORDER, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(auditEvents)
      .where(and(...conditions, where))
      .orderBy(...orderBy)
      .limit(limit),
  );
}
