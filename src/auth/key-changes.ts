import { EventEmitter } from 'node:events';
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

/**
 * Key changes that must reach every instance's key cache: revocation, roll,
 * scope/origin/limit updates and transfers (by key), member role or activity
 * changes (by member), service-account role changes or deletion (by service
 * account) and the organization's key policy, which travels with every key of
 * the organization and may end some of them (by organization). Announced from
 * the service layer, so changes made by the CLI in another process reach
 * running servers too.
 */
export type KeyChange = { keyId: string } | { memberId: string } | { serviceAccountId: string } | { organizationId: string };

export const KEY_CHANGES_CHANNEL = 'tessera_key_changes';

const local = new EventEmitter();
// One listener per app in the process (tests run several).
local.setMaxListeners(0);

/**
 * Call inside the transaction that makes the change. PostgreSQL delivers the
 * NOTIFY to every listening instance when the transaction commits (and drops
 * it on rollback). This process is told at once as well, so its very next
 * request is refused even before the notification comes back round.
 */
export async function broadcastKeyChange(tx: Executor, change: KeyChange): Promise<void> {
  local.emit('change', change);
  await tx.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${JSON.stringify(change)})`);
}

export function onLocalKeyChange(listener: (change: KeyChange) => void): () => void {
  local.on('change', listener);
  return () => local.off('change', listener);
}

export function parseKeyChange(payload: string): KeyChange | null {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    if (typeof value.keyId === 'string') return { keyId: value.keyId };
    if (typeof value.memberId === 'string') return { memberId: value.memberId };
    if (typeof value.organizationId === 'string') return { organizationId: value.organizationId };
    if (typeof value.serviceAccountId === 'string') return { serviceAccountId: value.serviceAccountId };
  } catch {
    // Not ours or garbled: the caller drops the whole cache instead.
  }
  return null;
}
