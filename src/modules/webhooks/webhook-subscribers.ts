import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { ROLE_SCOPES, type MemberRole } from '../../auth/access/scopes.js';
import type { Executor } from '../../db/client.js';
import { webhooks } from '../../db/schema/index.js';

export type WebhookPauseReason = NonNullable<(typeof webhooks.$inferSelect)['pauseReason']>;

/**
 * A webhook is a standing copy of the organization's data to whoever holds its URL, so someone answers
 * for it: the member who held the secret of the key that subscribed it (created, changed or resumed
 * it), the one who chose the URL. Their keys stop when they leave; so do the endpoints they
 * subscribed — also through a service account's key they received, which itself outlives them (it is
 * listed for rolling), since the URL may well be theirs. Null only for a service account's key issued
 * at the CLI, which no member received.
 */
export const subscriberOf = (principal: Principal): string | null =>
  principal.key.recipientMemberId ?? (principal.key.owner.kind === 'member' ? principal.key.owner.memberId : null);

/**
 * Why a member's change pauses the endpoints they subscribed, or null when they could still
 * subscribe them: they were deactivated, or their role no longer manages webhooks.
 */
export function pauseReasonFor(member: { active: boolean; role: MemberRole }): WebhookPauseReason | null {
  if (!member.active) return 'SUBSCRIBER_DEACTIVATED';
  if (!ROLE_SCOPES[member.role].has('webhooks:manage')) return 'SUBSCRIBER_ROLE_CHANGED';
  return null;
}

/**
 * Pauses, in the member change's transaction, every running endpoint the member subscribed, in both
 * worlds: nothing more is sent to them (events still queue, for an admin who resumes it). Answers how many.
 */
export async function pauseWebhooksSubscribedBy(tx: Executor, memberId: string, reason: WebhookPauseReason): Promise<number> {
  const paused = await tx
    .update(webhooks)
    .set({ pausedAt: sql`now()`, pauseReason: reason, updatedAt: sql`now()` })
    .where(and(eq(webhooks.subscribedByMemberId, memberId), isNull(webhooks.pausedAt)))
    .returning({ id: webhooks.id });
  return paused.length;
}
