import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';

/**
 * Trusted documents registered or removed in one organization's world must
 * reach every instance's in-memory copy (trusted-document-registry.ts), also
 * when an operator changed them at the CLI, in another process. PostgreSQL
 * delivers the notice to every listening instance when the changing
 * transaction commits, and drops it on rollback.
 */
export const DOCUMENT_CHANGES_CHANNEL = 'tessera_trusted_documents';

/** Call inside the transaction that registers or removes the documents. */
export async function announceDocumentsChanged(tx: Executor, tenant: Tenant): Promise<void> {
  const payload = JSON.stringify({ organizationId: tenant.organizationId, environment: tenant.environment });
  await tx.execute(sql`select pg_notify(${DOCUMENT_CHANGES_CHANNEL}, ${payload})`);
}

/** The world a notice names; null when it is not one of ours (the caller then forgets every world). */
export function parseDocumentChange(payload: string): Tenant | null {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    if (typeof value.organizationId === 'string' && (value.environment === 'LIVE' || value.environment === 'TEST')) {
      return { organizationId: value.organizationId, environment: value.environment };
    }
  } catch {
    // Garbled: treated as unknown.
  }
  return null;
}
