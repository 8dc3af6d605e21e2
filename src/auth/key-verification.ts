import type { DatabaseHandle } from '../db/client.js';
import { listenForChanges } from '../db/change-notices.js';
import type { Logger } from '../lib/logger.js';
import { KeyCache } from './key-cache.js';
import { KEY_CHANGES_CHANNEL, onLocalKeyChange, parseKeyChange } from './key-changes.js';

export type KeyVerification = {
  cache: KeyCache;
  /** Settles once key-change notices are heard, or known impossible (then nothing is cached). */
  listening: Promise<void>;
  stop(): Promise<void>;
};

/**
 * The key cache, kept current by key-change notices from this process and,
 * through PostgreSQL LISTEN/NOTIFY, from every other instance and the CLI.
 * Without notices the cache could serve a revoked key until its TTL, so when
 * LISTEN is impossible nothing is cached at all.
 */
export function createKeyVerification(database: DatabaseHandle, ttlMs: number, logger: Logger): KeyVerification {
  const cache = new KeyCache(database.db, ttlMs);
  const stopLocal = onLocalKeyChange((change) => cache.invalidate(change));
  const notices = listenForChanges(database, KEY_CHANGES_CHANNEL, {
    onNotice: (payload) => {
      const change = parseKeyChange(payload);
      if (change) cache.invalidate(change);
      else cache.clear();
    },
    onReconnect: () => {
      logger.warn('key-change listener reconnected; dropping cached key verifications');
      cache.clear();
    },
    onUnavailable: (error) => {
      logger.error({ err: error }, 'cannot LISTEN for key changes; key verifications will not be cached');
      cache.disable();
    },
  });
  return {
    cache,
    listening: notices.listening,
    async stop() {
      stopLocal();
      await notices.stop();
    },
  };
}
