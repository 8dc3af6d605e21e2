import type { Exclusive } from './handle.js';

/** Lock ids held by runs in this process: a session lock would let the same session in twice. */
export function inProcessLocks() {
  const held = new Set<number>();
  return async <T>(lockId: number, work: () => Promise<Exclusive<T>>): Promise<Exclusive<T>> => {
    if (held.has(lockId)) return { acquired: false };
    held.add(lockId);
    try {
      return await work();
    } finally {
      held.delete(lockId);
    }
  };
}

