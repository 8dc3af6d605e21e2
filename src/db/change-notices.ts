import type { DatabaseHandle } from './handle.js';

const UNLISTEN_WAIT_MS = 1000;

export type ChangeNoticeHandlers = {
  /** A notice on the channel: drop what it names. */
  onNotice(payload: string): void;
  /** LISTEN is back after its connection was lost: notices may have been missed, drop everything. */
  onReconnect(): void;
  /** LISTEN is impossible: nothing may be kept in memory, since no change would be heard. */
  onUnavailable(error: unknown): void;
};

export type ChangeNotices = {
  /** Settles once notices are heard, or known impossible. */
  listening: Promise<void>;
  stop(): Promise<void>;
};

/**
 * What keeps an in-memory copy of database rows current on every instance:
 * LISTEN on the channel that changes are NOTIFYed on (by any instance, and the
 * CLI), with the two ways such a copy can go stale handled the one safe way.
 */
export function listenForChanges(database: DatabaseHandle, channel: string, handlers: ChangeNoticeHandlers): ChangeNotices {
  const unlisten = database.listen(channel, handlers.onNotice, handlers.onReconnect).catch((error: unknown) => {
    handlers.onUnavailable(error);
    return async () => {};
  });
  return {
    listening: unlisten.then(() => undefined),
    async stop() {
      const stopListening = await unlisten;
      // The listening connection may be gone (the database stopped, or dropped): then there is
      // nothing left to unlisten, and waiting for a reconnect would hold a shutdown.
      await Promise.race([stopListening().catch(() => {}), new Promise((resolve) => setTimeout(resolve, UNLISTEN_WAIT_MS).unref())]);
    },
  };
}
