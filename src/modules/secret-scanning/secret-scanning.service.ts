import { hashApiKey, parseApiKey } from '../../auth/key-format.js';
import type { Executor } from '../../db/client.js';
import { keysByHash, reportKeyLeak, type LeakAction, type LeakOutcome } from '../api-keys/key-leaks.js';
import type { LeakAlert } from './leak-alerts.js';

/** GitHub's optional feedback on each token of an alert: whether it was a real credential of ours. */
export type LeakFeedback = { token_hash: string; token_type: string; label: 'true_positive' | 'false_positive' };

/** What was done, for the log: key ids and outcomes, never a token. */
export type LeakActed = { keyId: string; organizationId: string; outcome: LeakOutcome };

export type LeakAnswer = { feedback: LeakFeedback[]; acted: LeakActed[] };

export const GITHUB_REPORTER = 'GitHub secret scanning';

/**
 * Answers one alert. A string that fails the key format or its checksum is
 * not ours, which is known offline: no database lookup. The well-formed ones
 * are looked up together by hash; an existing key is a true positive whatever
 * its state, and a working one is revoked or flagged (reportKeyLeak). The
 * answer depends only on the tokens and their keys, so a replay gets the same
 * one and changes nothing.
 */
export async function answerLeakAlert(db: Executor, alerts: readonly LeakAlert[], action: LeakAction, now: Date): Promise<LeakAnswer> {
  const hashed = alerts.map((alert) => ({ alert, hash: hashApiKey(alert.token), ours: parseApiKey(alert.token).ok }));
  const keys = await keysByHash(
    db,
    hashed.filter(({ ours }) => ours).map(({ hash }) => hash),
  );
  const feedback: LeakFeedback[] = [];
  const acted: LeakActed[] = [];
  for (const { alert, hash, ours } of hashed) {
    const key = ours ? keys.get(hash) : undefined;
    feedback.push({ token_hash: hash, token_type: alert.type, label: key ? 'true_positive' : 'false_positive' });
    if (!key) continue;
    const outcome = await reportKeyLeak(db, key, { url: alert.url, source: alert.source, reporter: GITHUB_REPORTER }, action, now);
    acted.push({ keyId: key.id, organizationId: key.organizationId, outcome });
  }
  return { feedback, acted };
}
