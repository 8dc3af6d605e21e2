/**
 * vitest evaluates a globalSetup file afresh for each project that lists it,
 * in one main process. A resource several projects use (a migrated template,
 * a PostgreSQL cluster) is made once per run here and released after the last
 * of those projects' teardowns.
 */
type Entry = { value: Promise<unknown>; users: number; release: (value: never) => void | Promise<void> };

// Module state would be per project; the main process's global object is the one thing they share.
const KEY = Symbol.for('tessera.test.shared-setup');
const entries: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map()) as Map<string, Entry>;

export type Shared<T> = { value: T; release(): Promise<void> };

export async function acquireShared<T>(
  name: string,
  make: () => Promise<T>,
  release: (value: T) => void | Promise<void>,
): Promise<Shared<T>> {
  const entry = entries.get(name) ?? start(name, make, release);
  entry.users += 1;
  const value = (await entry.value) as T;
  let released = false;
  return {
    value,
    async release() {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      entries.delete(name);
      await entry.release(value as never);
    },
  };
}

function start<T>(name: string, make: () => Promise<T>, release: (value: T) => void | Promise<void>): Entry {
  const entry: Entry = { value: make(), users: 0, release: release as Entry['release'] };
  entries.set(name, entry);
  // A failed make is not kept: the next project tries again (and reports its own error).
  entry.value.catch(() => entries.delete(name));
  return entry;
}
