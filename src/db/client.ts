import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ensurePrivateFolder, restrictProcessUmask } from '../lib/private-folder.js';
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
};

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
};

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') return openPostgres(location.url, options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS);
  if (location.kind === 'pglite-dir') return openPglite(location.path);
  return openPglite(undefined, options.pgliteDataDir);
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
  };
}

async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<DatabaseHandle> {
  if (dataDir) {
    // The folder holds every tenant's data: owner only, for the files PGlite writes later too.
    restrictProcessUmask();
    ensurePrivateFolder(dataDir);
  }
  // The single-object form: `new PGlite(dataDir, options)` would ignore the options.
  const client = new PGlite({ dataDir, loadDataDir });
  await client.waitReady;
  // A new folder is unpacked from PGlite's initial data set with its own modes (0666): close those too.
  if (dataDir) ensurePrivateFolder(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
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
  };
}
