import { and, asc, eq, gt, isNull, lte, notExists, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { exercisedScopes, isOverprivileged, summarizeScopeUsage } from '../../auth/access/scope-usage.js';
import { expandScopes } from '../../auth/access/scopes.js';
import type { ApiKeyRecord } from '../../auth/key-state.js';
import type { Database, Executor } from '../../db/client.js';
import { apiKeys, apiKeyScopeReviews, organizationKeyPolicies } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';
import { PeriodicTask, type BackgroundTask } from '../../lib/periodic-task.js';
import { announceKeyChange } from './key-events.js';
import { DEFAULT_USAGE_DAYS, requirementTallies } from './scope-usage.service.js';

const DAY_MS = 86_400_000;

/** Each key is looked at, and so reported, at most this often. */
export const REVIEW_EVERY_MS = 7 * DAY_MS;
/** Younger keys are left alone: they have not had a month to show what they need. */
export const MIN_REVIEWED_AGE_MS = DEFAULT_USAGE_DAYS * DAY_MS;

const BATCH_SIZE = 100;
const successors = alias(apiKeys, 'successors');

export type OverprivilegedKeyReviewOptions = {
  /** 0: no background runs; call `runOnce()` yourself. */
  intervalMs: number;
  batchSize?: number;
};

/**
 * `api_key.overprivileged`, for organizations that turned
 * `reportOverprivilegedKeys` on: each working key older than 30 days is
 * reviewed once a week, and reported when it exercised under half of its
 * scopes in the last 30 days. Any number of instances may run it: a review
 * is claimed by one conditional upsert of the key's review row, in the
 * transaction that queues the event, so each key is reviewed (and reported)
 * by exactly one of them, at most once a week.
 */
export class OverprivilegedKeyReview implements BackgroundTask {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Database,
    private readonly options: OverprivilegedKeyReviewOptions,
    private readonly deps: { now: () => Date; logger: Logger },
  ) {
    this.task = new PeriodicTask({ name: 'key scope review', intervalMs: options.intervalMs, runAtStart: true, run: (stopping) => this.runOnce(stopping), logger: deps.logger });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Reviews every key that is due, batch by batch; returns how many were reported. */
  async runOnce(stopping?: AbortSignal): Promise<number> {
    let reported = 0;
    while (!stopping?.aborted) {
      const now = this.deps.now();
      const due = await dueForReview(this.db, now, this.options.batchSize ?? BATCH_SIZE);
      if (due.length === 0) break;
      for (const key of due) if (await reviewKey(this.db, key, now)) reported++;
    }
    if (reported > 0) this.deps.logger.info({ reported }, 'overprivileged keys reported');
    return reported;
  }
}

/** Working, not yet rolled, old enough, of an organization that asked, and not reviewed this week. */
function dueForReview(db: Executor, now: Date, limit: number): Promise<ApiKeyRecord[]> {
  const reviewedSince = new Date(now.getTime() - REVIEW_EVERY_MS);
  return db
    .select({ key: apiKeys })
    .from(apiKeys)
    .innerJoin(
      organizationKeyPolicies,
      and(eq(organizationKeyPolicies.organizationId, apiKeys.organizationId), eq(organizationKeyPolicies.reportOverprivilegedKeys, true)),
    )
    .where(
      and(
        or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, now)),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
        lte(apiKeys.createdAt, new Date(now.getTime() - MIN_REVIEWED_AGE_MS)),
        notExists(db.select().from(successors).where(eq(successors.rolledFromKeyId, apiKeys.id))),
        notExists(
          db
            .select()
            .from(apiKeyScopeReviews)
            .where(and(eq(apiKeyScopeReviews.apiKeyId, apiKeys.id), gt(apiKeyScopeReviews.reviewedAt, reviewedSince))),
        ),
      ),
    )
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .limit(limit)
    .then((rows) => rows.map((row) => row.key));
}

/** Claims this week's review of the key and, when it is under-used, queues the event with it; true: reported. */
async function reviewKey(db: Database, key: ApiKeyRecord, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await tx
      .insert(apiKeyScopeReviews)
      .values({ apiKeyId: key.id, reviewedAt: now })
      .onConflictDoUpdate({
        target: apiKeyScopeReviews.apiKeyId,
        set: { reviewedAt: now },
        setWhere: lte(apiKeyScopeReviews.reviewedAt, new Date(now.getTime() - REVIEW_EVERY_MS)),
      })
      .returning({ apiKeyId: apiKeyScopeReviews.apiKeyId });
    if (claimed.length === 0) return false;
    const tallies = await requirementTallies(tx, key, { since: new Date(now.getTime() - DEFAULT_USAGE_DAYS * DAY_MS), until: now });
    const held = expandScopes(key.scopes);
    const exercised = exercisedScopes(tallies);
    if (!isOverprivileged(held, exercised)) return false;
    const { unusedScopes, suggestedScopes } = summarizeScopeUsage(key.scopes, tallies);
    await announceKeyChange(tx, 'api_key.overprivileged', key, now, {
      days: DEFAULT_USAGE_DAYS,
      exercisedScopes: [...held].filter((scope) => exercised.has(scope)).sort(),
      unusedScopes,
      suggestedScopes,
    });
    await tx.update(apiKeyScopeReviews).set({ reportedAt: now }).where(eq(apiKeyScopeReviews.apiKeyId, key.id));
    return true;
  });
}
