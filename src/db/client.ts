import type { PGlite } from '@electric-sql/pglite';
import type { Database, DatabaseHandle, Exclusive, PostgresTimeouts } from './handle.js';
import { inProcessLocks } from './in-process-locks.js';
import { openPostgres } from './postgres-client.js';
import { ensurePrivateFolder, restrictProcessUmask } from '../lib/private-folder.js';
import { holdsEmbeddedDatabase, lockEmbeddedFolder } from './embedded-folder.js';
import * as schema from './schema/index.js';

export type { Database, DatabaseHandle, Exclusive, Executor, PostgresTimeouts, Schema, Transaction } from './handle.js';

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

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectTimeoutMs: 3000, statementTimeoutMs: 5000 };

export type OpenOptions = {
  /** postgres:// only. */
  timeouts?: PostgresTimeouts;
  /**
   * postgres:// only: PostgreSQL itself when `url` goes through a
   * transaction-mode pooler (PgBouncer). Session state lives there: LISTEN,
   * migrations, session advisory locks. Default: `url`.
   */
  directUrl?: string;
  /** postgres:// only: named prepared statements; off behind PgBouncer before 1.21 in transaction mode. Default true. */
  preparedStatements?: boolean;
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
  if (location.kind === 'postgres') {
    return openPostgres(location.url, {
      timeouts: options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS,
      directUrl: options.directUrl ?? location.url,
      preparedStatements: options.preparedStatements ?? true,
    });
  }
  if (location.kind === 'pglite-dir') return openPgliteFolder(location.path, options.onNotice ?? (() => {}));
  return openPglite(undefined, options.pgliteDataDir);
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
  // Loaded only here: a process on PostgreSQL (every CLI run, every server behind it) need not load the
  // embedded database's WASM build and its Drizzle driver, about 0.35 s of CPU at each start.
  const { PGlite } = await import('@electric-sql/pglite');
  // The single-object form: `new PGlite(dataDir, options)` would ignore the options.
  // In memory the data already is in memory: PostgreSQL's default 128 MB buffer pool would copy it again, and
  // setting that pool up costs half a second of CPU at each open (each test file opens one).
  const client = new PGlite({ dataDir, loadDataDir, ...(dataDir ? {} : { postgresqlconf: ['shared_buffers = 16MB'] }) });
  await client.waitReady;
  // A new folder is unpacked from PGlite's initial data set with its own modes (0666): close those too.
  if (dataDir) ensurePrivateFolder(dataDir);
  return embeddedDatabase(client);
}

/** The handle over an open embedded database; closing the handle closes it. */
export async function embeddedDatabase(client: PGlite): Promise<DatabaseHandle> {
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
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
