import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { ROLE_SCOPES, type MemberRole } from '../../auth/access/scopes.js';
import type { Executor } from '../../db/client.js';
import { webhooks } from '../../db/schema/index.js';

export type WebhookPauseReason = NonNullable<(typeof webhooks.$inferSelect)['pauseReason']>;

/** Who answers for an endpoint, as its row records them. */
export type WebhookSubscribers = Pick<typeof webhooks.$inferInsert, 'subscribedByMemberId' | 'subscribedByServiceAccountId'>;

/**
 * A webhook is a standing copy of the organization's data to whoever holds its URL, so someone answers
 * for it: whoever stood behind the key that subscribed it (created, changed or resumed it), the one
 * who chose the URL.
 * - The member who held its secret. Their keys stop when they leave; so do the endpoints they
 *   subscribed — also through a service account's key they received, which itself outlives them (it
 *   is listed for rolling), since the URL may well be theirs.
 * - For a service account's key, the account too: its keys end when it is deleted, and so do the
 *   endpoints they subscribed — also those of a key issued at the CLI, which no member received.
 */
export const subscribersOf = (principal: Principal): WebhookSubscribers => {
  const { owner, recipientMemberId } = principal.key;
  return {
    subscribedByMemberId: recipientMemberId ?? (owner.kind === 'member' ? owner.memberId : null),
    subscribedByServiceAccountId: owner.kind === 'service-account' ? owner.serviceAccountId : null,
  };
};

/**
 * Why a member's or service account's change pauses the endpoints they subscribed, or null when they
 * could still subscribe them: deactivated (a member), deleted (a service account), or given a role
 * that does not manage webhooks.
 */
export function pauseReasonFor(subscriber: { active: boolean; role: MemberRole } | { deletedAt: Date | null; role: MemberRole }): WebhookPauseReason | null {
  if ('active' in subscriber && !subscriber.active) return 'SUBSCRIBER_DEACTIVATED';
  if ('deletedAt' in subscriber && subscriber.deletedAt) return 'SUBSCRIBER_DELETED';
  if (!ROLE_SCOPES[subscriber.role].has('webhooks:manage')) return 'SUBSCRIBER_ROLE_CHANGED';
  return null;
}

/**
 * Pauses, in the change's transaction, every running endpoint the member or service account
 * subscribed, in both worlds: nothing more is sent to them (events still queue, for an admin who
 * resumes it). Answers how many.
 */
export async function pauseWebhooksSubscribedBy(
  tx: Executor,
  subscriber: { memberId: string } | { serviceAccountId: string },
  reason: WebhookPauseReason,
): Promise<number> {
  const subscribedBy =
    'memberId' in subscriber
      ? eq(webhooks.subscribedByMemberId, subscriber.memberId)
      : eq(webhooks.subscribedByServiceAccountId, subscriber.serviceAccountId);
  const paused = await tx
    .update(webhooks)
    .set({ pausedAt: sql`now()`, pauseReason: reason, updatedAt: sql`now()` })
    .where(and(subscribedBy, isNull(webhooks.pausedAt)))
    .returning({ id: webhooks.id });
  return paused.length;
}
