import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { ensurePrivateFolder, restrictProcessUmask } from '../lib/private-folder.js';
import { holdsEmbeddedDatabase, lockEmbeddedFolder } from './embedded-folder.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The one database type services see, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Services accept either, so callers decide the transaction boundary. */
export type Executor = Database | Transaction;

export type DatabaseHandle = {
  db: Database;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  /**
   * The readiness check, on a connection of its own: it neither waits behind
   * the traffic's queue nor takes one of its connections, so `/ready` turns
   * 200 as soon as the database answers again.
   */
  probe(): Promise<void>;
  close(): Promise<void>;
  /** Runs raw SQL; used by migrations and by tests that inspect storage. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * LISTENs on a channel; `onReconnect` runs when a lost listening connection
   * is back (notifications may have been missed meanwhile). Returns unlisten.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  /**
   * Runs `work` while holding the advisory lock `lockId`, or answers
   * `{ acquired: false }` at once when another instance (or another run in
   * this process) holds it. The lock is session-level, on a connection of its
   * own, so `work` may commit many short transactions; a killed process's
   * lock goes away with its connection.
   */
  exclusively<T>(lockId: number, work: () => Promise<T>): Promise<Exclusive<T>>;
  /**
   * Runs work on one connection of its own without the statement timeout
   * (migrations: copying a large table may rightly take minutes). Closed after.
   */
  withoutStatementTimeout<T>(work: (db: Database, sql: Sql | null) => Promise<T>): Promise<T>;
};

export type Exclusive<T> = { acquired: true; value: T } | { acquired: false };

export type DatabaseLocation =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite-memory' }
  | { kind: 'pglite-dir'; path: string };

export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (url === 'memory://') return { kind: 'pglite-memory' };
  if (url.startsWith('file://')) {
    const path = url.slice('file://'.length);
    if (!path) throw new Error('file:// needs a folder, like file://.data/pglite');
    return { kind: 'pglite-dir', path };
  }
  // Only the scheme is echoed: the rest of a URL may carry a password.
  throw new Error(`expected postgres://…, postgresql://…, memory:// or file://PATH, got ${JSON.stringify(`${url.split(':')[0]}:…`)}`);
}

/** Time bounds on a real PostgreSQL, so a database outage is answered, not waited out. */
export type PostgresTimeouts = {
  /** Longest a new connection may take to be established (then CONNECT_TIMEOUT). */
  connectTimeoutMs: number;
  /** PostgreSQL's `statement_timeout` for every session: a statement running longer is cancelled (57014). */
  statementTimeoutMs: number;
};

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectTimeoutMs: 3000, statementTimeoutMs: 5000 };

export type OpenOptions = {
  /** postgres:// only. */
  timeouts?: PostgresTimeouts;
  /**
   * memory:// only: start from this copy of a data directory (PGlite's
   * `dumpDataDir()`) instead of an empty cluster, skipping initdb.
   */
  pgliteDataDir?: Blob;
  /** file:// only: told what opening the folder involves, for the start-up log. */
  onNotice?: (notice: EmbeddedNotice) => void;
};

export type EmbeddedNotice =
  /** The folder holds no database yet: PGlite is about to create one, which takes seconds. */
  | { kind: 'creating'; folder: string }
  /** The folder's lock was left by a process that is gone (killed, crashed); it is ours now. */
  | { kind: 'stale-lock-taken-over'; folder: string; pid: number | null };

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') return openPostgres(location.url, options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS);
  if (location.kind === 'pglite-dir') return openPgliteFolder(location.path, options.onNotice ?? (() => {}));
  return openPglite(undefined, options.pgliteDataDir);
}

/** Lock ids held by runs in this process: a session lock would let the same session in twice. */
function inProcessLocks() {
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

async function openPostgres(url: string, timeouts: PostgresTimeouts): Promise<DatabaseHandle> {
  const options = {
    onnotice: () => {},
    connect_timeout: timeouts.connectTimeoutMs / 1000,
    // postgres.js waits up to 20 s between reconnection attempts by default; queries queue meanwhile.
    // Attempts every ≤ 0.5 s fail queued queries fast while the server is down, and find it within
    // half a second once it is back.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5) * (0.5 + Math.random() / 2),
    connection: { statement_timeout: timeouts.statementTimeoutMs },
  };
  const sql = postgres(url, { ...options, max: 10 });
  const probe = postgres(url, { ...options, max: 1, idle_timeout: 30 });
  const db = drizzlePostgres(sql, { schema }) as unknown as Database;
  const locally = inProcessLocks();
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await sql`select 1`;
    },
    probe: async () => {
      await probe`select 1`;
    },
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), probe.end({ timeout: 1 })]);
    },
    withoutStatementTimeout: async (work) => {
      const single = postgres(url, { ...options, max: 1, connection: { statement_timeout: 0 } });
      try {
        return await work(drizzlePostgres(single, { schema }) as unknown as Database, single);
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    query: async <T>(text: string) => (await sql.unsafe(text)) as unknown as T[],
    listen: async (channel, onMessage, onReconnect) => {
      let listening = false;
      // postgres.js re-LISTENs on a fresh connection by itself and calls back each time.
      const { unlisten } = await sql.listen(channel, onMessage, () => {
        if (listening) onReconnect();
        listening = true;
      });
      return unlisten;
    },
    exclusively: <T>(lockId: number, work: () => Promise<T>) =>
      locally(lockId, async (): Promise<Exclusive<T>> => {
        const holder = await sql.reserve();
        try {
          const [row] = await holder`select pg_try_advisory_lock(${lockId}) as acquired`;
          if (!row?.acquired) return { acquired: false };
          try {
            return { acquired: true, value: await work() };
          } finally {
            await holder`select pg_advisory_unlock(${lockId})`.catch(() => {});
          }
        } finally {
          holder.release();
        }
      }),
  };
}

/**
 * The folder is locked before PGlite reads it, so a second process is turned
 * away before it opens (or creates) anything; the lock goes when the handle closes.
 */
async function openPgliteFolder(folder: string, notify: (notice: EmbeddedNotice) => void): Promise<DatabaseHandle> {
  // The folder holds every tenant's data: owner only, for the files PGlite writes later too.
  restrictProcessUmask();
  ensurePrivateFolder(folder);
  const lock = await lockEmbeddedFolder(folder);
  if (lock.takenOver) notify({ kind: 'stale-lock-taken-over', folder, pid: lock.takenOver.from });
  if (!holdsEmbeddedDatabase(folder)) notify({ kind: 'creating', folder });
  try {
    const handle = await openPglite(folder);
    const close = handle.close;
    return Object.assign(handle, { close: () => close().finally(lock.release) });
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<DatabaseHandle> {
  // The single-object form: `new PGlite(dataDir, options)` would ignore the options.
  const client = new PGlite({ dataDir, loadDataDir });
  await client.waitReady;
  // A new folder is unpacked from PGlite's initial data set with its own modes (0666): close those too.
  if (dataDir) ensurePrivateFolder(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  const locally = inProcessLocks();
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    probe: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    query: async <T>(text: string) => {
      const results = await client.exec(text);
      return (results.at(-1)?.rows ?? []) as T[];
    },
    // One in-process database: its connection never drops.
    listen: (channel, onMessage) => client.listen(channel, onMessage),
    // One process owns an embedded database (PGlite serves one at a time): the in-process lock is the whole story.
    exclusively: <T>(lockId: number, work: () => Promise<T>) =>
      locally(lockId, async (): Promise<Exclusive<T>> => ({ acquired: true, value: await work() })),
    withoutStatementTimeout: (work) => work(db, null),
  };
}
