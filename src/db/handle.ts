import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import type * as schema from './schema/index.js';

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

/** Time bounds on a real PostgreSQL, so a database outage is answered, not waited out. */
export type PostgresTimeouts = {
  /** Longest a new connection may take to be established (then CONNECT_TIMEOUT). */
  connectTimeoutMs: number;
  /** PostgreSQL's `statement_timeout` for every session: a statement running longer is cancelled (57014). */
  statementTimeoutMs: number;
};

