/**
 * Test databases handed from one test file to the next in the same worker, emptied.
 *
 * Loading the migrated template into a new PGlite costs ≈ 0.5 s of CPU (untar, PGlite's in-memory
 * file system, PostgreSQL's start); on PostgreSQL, copying the template database and dropping the
 * copy cost its server ≈ 0.1–0.2 s a file. Emptying a database the previous file finished with costs
 * a few milliseconds. Where a worker runs its files one after another keeping its modules (the
 * projects with `isolate: false`, which set TEST_WORKER_KEEPS_MODULES), a closed handle's database
 * is emptied and kept for the next file of that worker instead of closed or dropped.
 *
 * What the next file gets must be what a fresh copy of the template is, or it is not reused:
 * - the schema is compared with the template's (tables, columns, defaults, constraints, indexes,
 *   triggers, functions, partitions, roles, database settings and the migrations applied); a file
 *   that changed it (a migration test, a dropped partition) leaves a database that is closed, not reused;
 * - every table is truncated with its sequences restarted; PGlite's one session is discarded
 *   (settings, LISTEN, prepared statements, temporary tables), and a PostgreSQL database that
 *   still has sessions once the file's pool has ended (a process the file started) is dropped;
 * - a closed handle is closed for good: its queries fail as a closed database's do, so an app still
 *   running on it cannot write into the next file's data.
 */
import { readFile } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { embeddedDatabase, openDatabase, type DatabaseHandle } from '../../src/db/client.js';

/** Set (in vitest.config.ts) where a worker keeps its modules from one file to the next. */
const workerKeepsModules = process.env.TEST_WORKER_KEEPS_MODULES === 'true';

/** This worker's emptied PGlite databases, and what the template's schema reads as there. */
const emptied: PGlite[] = [];
let templateShape: string | null = null;

export async function reusedTemplateCopy(templatePath: string): Promise<DatabaseHandle> {
  const client = emptied.pop() ?? (await freshCopy(templatePath));
  const view = closable(client);
  const handle = await embeddedDatabase(view.client);
  return Object.assign(handle, {
    close: async () => {
      await view.close();
      await giveBack(client);
    },
  });
}

/** An in-memory PGlite database loaded from a dumped data directory (a tar file). */
export async function openDumpedPglite(tarPath: string): Promise<DatabaseHandle> {
  return openDatabase('memory://', { pgliteDataDir: new TarBytes(await readFile(tarPath)) });
}

async function freshCopy(templatePath: string): Promise<PGlite> {
  const handle = await openDumpedPglite(templatePath);
  const client = (handle.db as unknown as { $client: PGlite }).$client;
  templateShape ??= (await client.query<{ shape: string }>(SHAPE)).rows[0]!.shape;
  return client;
}

async function giveBack(client: PGlite): Promise<void> {
  if (client.closed) return;
  if (!workerKeepsModules) return client.close();
  try {
    if ((await client.query<{ shape: string }>(SHAPE)).rows[0]!.shape !== templateShape) return await client.close();
    // A channel still listened to was listened to past the handle (closable): PGlite's list of listeners would be stale.
    if ((await client.query('select pg_listening_channels()')).rows.length > 0) return await client.close();
    // Refused inside a transaction a file left open: that database is closed, not reused.
    await client.exec('discard all');
    await client.exec(`truncate ${(await client.query<{ tables: string }>(TABLES)).rows[0]!.tables} restart identity cascade`);
    emptied.push(client);
  } catch {
    await client.close();
  }
}

/**
 * The client as one file's handle sees it: once that handle is closed, every call fails as on a closed PGlite,
 * and the listeners the file left are removed, those whose removal is still under way waited for. PGlite runs
 * LISTEN only for a channel's first listener in its own list: one left there would keep the next file's LISTEN
 * from being sent (after DISCARD ALL's UNLISTEN *), and its notifications from arriving.
 */
function closable(client: PGlite): { client: PGlite; close(): Promise<void> } {
  let closed = false;
  const listening = new Set<() => Promise<void>>();
  const calls = new Map<PropertyKey, unknown>();
  const listen = async (channel: string, callback: (payload: string) => void) => {
    if (closed) throw new Error('PGlite is closed');
    const unlisten = await client.listen(channel, callback);
    // Once, and awaited by close() too: an app's stop waits only so long for it (src/db/change-notices.ts).
    let stopped: Promise<void> | undefined;
    const once = () => (stopped ??= unlisten());
    listening.add(once);
    return once;
  };
  const view = new Proxy(client, {
    get(target, property) {
      if (property === 'closed') return closed || target.closed;
      if (property === 'listen') return listen;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!calls.has(property)) {
        calls.set(property, (...args: unknown[]) => {
          if (closed) throw new Error('PGlite is closed');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        });
      }
      return calls.get(property);
    },
  });
  return {
    client: view,
    close: async () => {
      closed = true;
      await Promise.all([...listening].map((unlisten) => unlisten()));
    },
  };
}

/** PostgreSQL databases of this worker's finished files, emptied, and what the template's schema reads as there. */
const emptiedPostgres: PostgresCopy[] = [];
let postgresTemplateShape: string | null = null;

export type PostgresCopy = { url: string; drop(): Promise<void> };

/** A copy of the template database made by `copy()`, or one a previous file of this worker finished with. */
export async function reusedPostgresCopy(copy: () => Promise<PostgresCopy>, open: (url: string) => Promise<DatabaseHandle>): Promise<DatabaseHandle> {
  const reused = emptiedPostgres.pop();
  const database = reused ?? (await copy());
  const handle = await open(database.url);
  if (!reused) postgresTemplateShape ??= (await handle.query<{ shape: string }>(SHAPE))[0]!.shape;
  const closeHandle = handle.close.bind(handle);
  // Assigned rather than spread, so a handle that is a class instance keeps its methods.
  return Object.assign(handle, {
    async close() {
      await closeHandle();
      await giveBackPostgres(database);
    },
  });
}

async function giveBackPostgres(database: PostgresCopy): Promise<void> {
  if (!workerKeepsModules) return database.drop();
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  let reusable = false;
  try {
    reusable = (await sessionsEnd(sql)) && (await sql.unsafe<Array<{ shape: string }>>(SHAPE))[0]!.shape === postgresTemplateShape;
    if (reusable) await sql.unsafe(`truncate ${(await sql.unsafe<Array<{ tables: string }>>(TABLES))[0]!.tables} restart identity cascade`);
  } catch {
    reusable = false;
  } finally {
    await sql.end();
  }
  if (reusable) emptiedPostgres.push(database);
  else await database.drop();
}

/** True once no session but this one is on the database (a closed pool's backends take a moment to go). */
async function sessionsEnd(sql: postgres.Sql): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [row] = await sql<Array<{ others: number }>>`select count(*)::int as others from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    if (row!.others === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

/** Every base table outside the system schemas, for one TRUNCATE (partitions go with their parent). */
const TABLES = `
  select string_agg(format('%I.%I', n.nspname, c.relname), ', ') as tables
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p') and not c.relispartition
     and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle') and n.nspname not like 'pg_toast%'`;

/** A digest of everything a migration or a test could change besides rows: if it differs, the database is not reused. */
const SHAPE = `
  with spaces as (select oid from pg_namespace where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg_toast%' and nspname not like 'pg_temp%')
  select md5(coalesce(string_agg(item, E'\\n' order by item), '')) as shape from (
    select format('relation %s.%s %s', c.relnamespace::regnamespace, c.relname, c.relkind) as item
      from pg_class c where c.relnamespace in (select oid from spaces)
    union all
    select format('column %s %s %s %s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
      from pg_attribute a join pg_class c on c.oid = a.attrelid left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where c.relnamespace in (select oid from spaces) and a.attnum > 0 and not a.attisdropped
    union all
    select format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) from pg_constraint where connamespace in (select oid from spaces)
    union all
    select format('index %s', pg_get_indexdef(indexrelid)) from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace in (select oid from spaces)
    union all
    select format('trigger %s', pg_get_triggerdef(oid)) from pg_trigger where not tgisinternal
    union all
    select format('function %s %s', p.oid::regprocedure, md5(p.prosrc)) from pg_proc p where p.pronamespace in (select oid from spaces)
    union all
    select format('partition %s %s', c.oid::regclass, pg_get_expr(c.relpartbound, c.oid)) from pg_class c where c.relispartition and c.relnamespace in (select oid from spaces)
    union all
    select format('migration %s %s', hash, created_at) from drizzle.__drizzle_migrations
    union all
    select format('setting %s %s', setrole, setconfig) from pg_db_role_setting where setdatabase in (0, (select oid from pg_database where datname = current_database()))
    union all
    select format('role %s', rolname) from pg_roles
  ) items`;

/**
 * The template's bytes as the Blob PGlite loads: Node 20 reads a Blob back in small chunks it then
 * concatenates (0.3 s of CPU for the template when it was 40 MB); these bytes are handed over as they are.
 */
class TarBytes extends Blob {
  constructor(private readonly tar: Uint8Array) {
    super([]);
  }
  override get type(): string {
    return 'application/x-tar';
  }
  override get size(): number {
    return this.tar.byteLength;
  }
  override async arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.tar;
    return byteOffset === 0 && byteLength === buffer.byteLength ? (buffer as ArrayBuffer) : (buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
  }
}
