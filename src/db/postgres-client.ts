import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database, DatabaseHandle, Exclusive, PostgresTimeouts } from './handle.js';
import { inProcessLocks } from './in-process-locks.js';
import * as schema from './schema/index.js';

export type PostgresOptions = { timeouts: PostgresTimeouts; directUrl: string; preparedStatements: boolean };

/**
 * A real PostgreSQL through postgres.js: the traffic's pool on `url` (which
 * may be a transaction-mode pooler), and what needs a session of its own —
 * LISTEN, migrations, session advisory locks — on `directUrl`.
 */
export async function openPostgres(url: string, { timeouts, directUrl, preparedStatements }: PostgresOptions): Promise<DatabaseHandle> {
  const options = {
    onnotice: () => {},
    connect_timeout: timeouts.connectTimeoutMs / 1000,
    // postgres.js waits up to 20 s between reconnection attempts by default; queries queue meanwhile.
    // Attempts every ≤ 0.5 s fail queued queries fast while the server is down, and find it within
    // half a second once it is back.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 0.5) * (0.5 + Math.random() / 2),
    // 0 sends none: behind PgBouncer, which refuses unknown start-up parameters, set it on the role instead.
    connection: timeouts.statementTimeoutMs > 0 ? { statement_timeout: timeouts.statementTimeoutMs } : {},
  };
  const sql = postgres(url, { ...options, max: 10, prepare: preparedStatements });
  // The same pool when there is no pooler in between.
  const direct = directUrl === url ? sql : postgres(directUrl, { ...options, max: 2 });
  // The availability probe paces itself (src/db/availability.ts: every 200 ms while the database is down): a
  // reconnection backoff on top made each failed attempt wait up to half a second more, and the recovery with it.
  // It runs `select 1` alone, so it need not fetch the array types on each new connection.
  const probe = postgres(url, { ...options, max: 1, idle_timeout: 30, backoff: () => 0, fetch_types: false });
  const db = drizzlePostgres(preparedStatements ? namedStatements(sql) : sql, { schema }) as unknown as Database;
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
      await Promise.all([sql.end({ timeout: 5 }), probe.end({ timeout: 1 }), direct === sql ? undefined : direct.end({ timeout: 1 })]);
    },
    withoutStatementTimeout: async (work) => {
      const single = postgres(directUrl, { ...options, max: 1, connection: { statement_timeout: 0 } });
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
      const { unlisten } = await direct.listen(channel, onMessage, () => {
        if (listening) onReconnect();
        listening = true;
      });
      return unlisten;
    },
    exclusively: <T>(lockId: number, work: () => Promise<T>) =>
      locally(lockId, async (): Promise<Exclusive<T>> => {
        const holder = await direct.reserve();
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
 * Drizzle sends every query it did not build with `.prepare(name)` as
 * `unsafe(text, params, { prepare: false })`, and postgres.js sends an unnamed
 * statement with parameters in two round trips (one to learn the parameter
 * types, one to run it): measured 175 µs and 65 µs of client CPU per query
 * against 76 µs and 32 µs named. Drizzle's text is parameterized — one text per
 * query shape, a bounded set — so postgres.js may name and cache each per
 * connection, as it does its own tagged queries. The client's `prepare: false`
 * (DATABASE_PREPARED_STATEMENTS=false, behind an older PgBouncer) still wins.
 * Transactions and savepoints hand drizzle a fresh client: wrapped the same way.
 */
function namedStatements<T extends postgres.Sql | postgres.TransactionSql>(sql: T): T {
  type Work = (inner: postgres.TransactionSql) => unknown;
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (text: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(text, params, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        const open = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const work = args.pop() as Work;
          return open(...args, (inner: postgres.TransactionSql) => work(namedStatements(inner)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

