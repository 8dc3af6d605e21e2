import { setImmediate as nextTurn } from 'node:timers/promises';

/** Called between units of a long computation; see pacer. */
export type Pause = () => Promise<void>;

/** Longest a computation runs before it gives way to other requests. */
export const SLICE_MS = 5;

/**
 * Long computations share the one JavaScript thread with every other request.
 * They await the returned pause between units of work (a host's week of
 * slots, a member's busy time). It throws the signal's reason once the
 * request is cancelled (its deadline passed, its client went away), so no
 * more CPU is spent on it; and once the computation has run `sliceMs` since
 * it last gave way, it waits for the event loop's next turn, so other
 * requests' I/O and timers are served in between.
 */
export function pacer(signal?: AbortSignal, sliceMs = SLICE_MS): Pause {
  let since = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    signal?.throwIfAborted();
    since = performance.now();
  };
}
