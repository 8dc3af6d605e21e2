/**
 * postgres.js 3.4.9 with patches/postgres+3.4.9.patch. Without the patch, a
 * transaction whose backend goes away (a PostgreSQL restart, `pg_ctl stop -m
 * fast`, a pooler dropping the server connection) crashes the process: the
 * automatic ROLLBACK is written to the closed connection and `nextWrite`
 * dereferences its null socket from a setImmediate, outside any promise
 * (porsager/postgres #1154, #1208). And once the pool reconnects that
 * connection, the rest of the transaction's callback runs on the new session,
 * outside any transaction (porsager/postgres #1186, #1215). And the first
 * query on a reconnected connection failed with the error the killed backend
 * sent last ("terminating connection due to administrator command", or "the
 * database system is shutting down" from an attempt made during a restart),
 * which marked a recovered database down again (#1142, #1223).
 *
 * Also here, as it is about how we drive postgres.js: Drizzle's queries run
 * as named prepared statements (one round trip, not two) unless
 * DATABASE_PREPARED_STATEMENTS=false says the pooler cannot keep them.
 */
import { sql as raw } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { organizations } from '../../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseUrl, postgresTierSkipped, testTier } from '../helpers/test-database.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(testTier() !== 'postgres' || postgresTierSkipped)('postgres.js when a transaction loses its backend (postgres)', () => {
  let database: { url: string; drop(): Promise<void> };
  let admin: postgres.Sql;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    database = await createDatabaseUrl();
    admin = postgres(database.url, { max: 1, onnotice: () => {} });
    await admin`create table marks (id int)`;
    process.on('uncaughtException', record);
  });
  afterAll(async () => {
    process.off('uncaughtException', record);
    await admin.end();
    await database.drop();
  });

  it('fails the transaction with CONNECTION_CLOSED and the process carries on', async () => {
    const sql = postgres(database.url, { max: 2, onnotice: () => {} });
    try {
      const outcome = sql
        .begin(async (tx) => {
          const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
          await admin`select pg_terminate_backend(${pid})`;
          await settle(100);
          await tx`select 1`;
        })
        .catch((error: { code?: string }) => error.code);
      expect(await outcome).toBe('CONNECTION_CLOSED');
      await settle(100); // where the unpatched driver throws from setImmediate
      expect(uncaught).toEqual([]);
      expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('never runs the rest of a dead transaction on the reconnected session', async () => {
    // One connection, so the pool's next query reconnects the very connection the transaction held.
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      let lateWrite!: (code: unknown) => void;
      const lateWriteOutcome = new Promise((resolve) => (lateWrite = resolve));
      const outcome = sql
        .begin(async (tx) => {
          const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
          await admin`select pg_terminate_backend(${pid})`;
          await settle(100);
          await sql`select 1`; // the pool reconnects
          lateWrite(await tx`insert into marks values (1)`.then(() => 'written', (error: { code?: string }) => error.code));
        })
        .catch((error: { code?: string }) => error.code);
      expect(await outcome).toBe('CONNECTION_CLOSED');
      expect(await lateWriteOutcome).toBe('CONNECTION_CLOSED');
      await settle(100);
      expect(uncaught).toEqual([]);
      expect(await admin`select count(*)::int as n from marks`).toEqual([{ n: 0 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("answers the first query on a reconnected connection itself, not with the killed backend's last error", async () => {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [{ pid }] = await sql<[{ pid: number }]>`select pg_backend_pid() as pid`;
      const killed = sql`select pg_sleep(5)`.then(
        () => 'finished',
        (error: { code?: string }) => error.code,
      );
      await settle(100);
      await admin`select pg_terminate_backend(${pid})`;
      expect(await killed).toMatch(/^(57P01|CONNECTION_CLOSED)$/);
      // The same connection, reconnected: twice, since the stale state answered the first one.
      expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
      expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
      expect(uncaught).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it.each([
    [true, 'named and kept per connection'],
    [false, 'unnamed, when turned off'],
  ])('runs Drizzle statements prepared: %s (%s)', async (preparedStatements) => {
    const handle = await openDatabase(database.url, { preparedStatements });
    try {
      // One transaction: one connection, whose prepared statements PostgreSQL lists.
      const kept = await handle.db.transaction(async (tx) => {
        await tx.select().from(organizations).limit(1);
        await tx.select().from(organizations).limit(1);
        return (await tx.execute(raw`select statement from pg_prepared_statements`)) as unknown as Array<{ statement: string }>;
      });
      const statements = kept.map((row) => row.statement);
      if (preparedStatements) expect(statements.filter((text) => text.includes('from "organizations"'))).toHaveLength(1);
      else expect(statements).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});
